package dev.sluice.bench.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A real, minimal response for benchmarking filters outside a container: it keeps the status, the headers (in a
 * list, as written) and the content type and length, and discards the body. {@link #recycle()} resets it for the
 * next pass. Not thread-safe: one per benchmark thread.
 */
public final class BenchResponse implements HttpServletResponse {
    private final List<String[]> headers = new ArrayList<>();
    private final ServletOutputStream body = new ServletOutputStream() {
        @Override
        public void write(int b) {
            written++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            written += length;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            throw new IllegalStateException("the benchmark response is blocking only");
        }
    };
    private int status = 200;
    private boolean committed;
    private String contentType;
    private long contentLength = -1;
    private long written;

    /** Forgets status, headers and body of the previous pass. */
    public void recycle() {
        headers.clear();
        status = 200;
        committed = false;
        contentType = null;
        contentLength = -1;
        written = 0;
    }

    /** Body bytes written since the last {@link #recycle()}. */
    public long written() {
        return written;
    }

    @Override
    public void addCookie(Cookie cookie) {
        // not kept: nothing in a benchmark exchange reads it back
    }

    @Override
    public boolean containsHeader(String name) {
        return getHeader(name) != null;
    }

    @Override
    public String encodeURL(String name) {
        return name;
    }

    @Override
    public String encodeRedirectURL(String name) {
        return name;
    }

    @Override
    public void sendError(int value, String name) throws java.io.IOException {
        status = value;
        committed = true;
    }

    @Override
    public void sendError(int value) throws java.io.IOException {
        status = value;
        committed = true;
    }

    @Override
    public void sendRedirect(String name) throws java.io.IOException {
        status = 302;
        headers.add(new String[] {"Location", name});
        committed = true;
    }

    @Override
    public void setDateHeader(String name, long value) {
        setHeader(name, Long.toString(value));
    }

    @Override
    public void addDateHeader(String name, long value) {
        addHeader(name, Long.toString(value));
    }

    @Override
    public void setHeader(String name, String value) {
        headers.removeIf(header -> header[0].equalsIgnoreCase(name));
        if (value != null) {
            headers.add(new String[] {name, value});
        }
    }

    @Override
    public void addHeader(String name, String value) {
        headers.add(new String[] {name, value});
    }

    @Override
    public void setIntHeader(String name, int value) {
        setHeader(name, Integer.toString(value));
    }

    @Override
    public void addIntHeader(String name, int value) {
        addHeader(name, Integer.toString(value));
    }

    @Override
    public void setStatus(int value) {
        status = value;
    }

    @Override
    public int getStatus() {
        return status;
    }

    @Override
    public String getHeader(String name) {
        for (String[] header : headers) {
            if (header[0].equalsIgnoreCase(name)) {
                return header[1];
            }
        }
        return null;
    }

    @Override
    public Collection<String> getHeaders(String name) {
        List<String> values = new ArrayList<>();
        for (String[] header : headers) {
            if (header[0].equalsIgnoreCase(name)) {
                values.add(header[1]);
            }
        }
        return values;
    }

    @Override
    public Collection<String> getHeaderNames() {
        Set<String> names = new LinkedHashSet<>();
        for (String[] header : headers) {
            names.add(header[0]);
        }
        return names;
    }

    @Override
    public String getCharacterEncoding() {
        return "UTF-8";
    }

    @Override
    public String getContentType() {
        return contentType;
    }

    @Override
    public ServletOutputStream getOutputStream() throws java.io.IOException {
        return body;
    }

    @Override
    public java.io.PrintWriter getWriter() throws java.io.IOException {
        return new PrintWriter(body);
    }

    @Override
    public void setCharacterEncoding(String name) {
        // not kept: nothing in a benchmark exchange reads it back
    }

    @Override
    public void setContentLength(int value) {
        contentLength = value;
    }

    @Override
    public void setContentLengthLong(long value) {
        contentLength = value;
    }

    @Override
    public void setContentType(String name) {
        contentType = name;
    }

    @Override
    public void setBufferSize(int value) {
        // not kept: nothing in a benchmark exchange reads it back
    }

    @Override
    public int getBufferSize() {
        return 0;
    }

    @Override
    public void flushBuffer() throws java.io.IOException {
        // not kept: nothing in a benchmark exchange reads it back
    }

    @Override
    public void resetBuffer() {
        // not kept: nothing in a benchmark exchange reads it back
    }

    @Override
    public boolean isCommitted() {
        return committed;
    }

    @Override
    public void reset() {
        headers.clear();
        status = 200;
    }

    @Override
    public void setLocale(java.util.Locale locale) {
        // not kept: nothing in a benchmark exchange reads it back
    }

    @Override
    public java.util.Locale getLocale() {
        return java.util.Locale.ROOT;
    }
}
