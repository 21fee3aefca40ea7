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
    public void addCookie(Cookie a0) {
    }

    @Override
    public boolean containsHeader(String a0) {
        return getHeader(a0) != null;
    }

    @Override
    public String encodeURL(String a0) {
        return a0;
    }

    @Override
    public String encodeRedirectURL(String a0) {
        return a0;
    }

    @Override
    public void sendError(int a0, String a1) throws java.io.IOException {
        status = a0;
        committed = true;
    }

    @Override
    public void sendError(int a0) throws java.io.IOException {
        status = a0;
        committed = true;
    }

    @Override
    public void sendRedirect(String a0) throws java.io.IOException {
        status = 302;
        headers.add(new String[] {"Location", a0});
        committed = true;
    }

    @Override
    public void setDateHeader(String a0, long a1) {
        setHeader(a0, Long.toString(a1));
    }

    @Override
    public void addDateHeader(String a0, long a1) {
        addHeader(a0, Long.toString(a1));
    }

    @Override
    public void setHeader(String a0, String a1) {
        headers.removeIf(header -> header[0].equalsIgnoreCase(a0));
        if (a1 != null) {
            headers.add(new String[] {a0, a1});
        }
    }

    @Override
    public void addHeader(String a0, String a1) {
        headers.add(new String[] {a0, a1});
    }

    @Override
    public void setIntHeader(String a0, int a1) {
        setHeader(a0, Integer.toString(a1));
    }

    @Override
    public void addIntHeader(String a0, int a1) {
        addHeader(a0, Integer.toString(a1));
    }

    @Override
    public void setStatus(int a0) {
        status = a0;
    }

    @Override
    public int getStatus() {
        return status;
    }

    @Override
    public String getHeader(String a0) {
        for (String[] header : headers) {
            if (header[0].equalsIgnoreCase(a0)) {
                return header[1];
            }
        }
        return null;
    }

    @Override
    public Collection<String> getHeaders(String a0) {
        List<String> values = new ArrayList<>();
        for (String[] header : headers) {
            if (header[0].equalsIgnoreCase(a0)) {
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
    public void setCharacterEncoding(String a0) {
    }

    @Override
    public void setContentLength(int a0) {
        contentLength = a0;
    }

    @Override
    public void setContentLengthLong(long a0) {
        contentLength = a0;
    }

    @Override
    public void setContentType(String a0) {
        contentType = a0;
    }

    @Override
    public void setBufferSize(int a0) {
    }

    @Override
    public int getBufferSize() {
        return 0;
    }

    @Override
    public void flushBuffer() throws java.io.IOException {
    }

    @Override
    public void resetBuffer() {
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
    public void setLocale(java.util.Locale a0) {
    }

    @Override
    public java.util.Locale getLocale() {
        return java.util.Locale.ROOT;
    }
}
