package dev.sluice.bench.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletConnection;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.Part;
import java.io.BufferedReader;
import java.io.IOException;
import java.security.Principal;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real, minimal GET request for benchmarking filters outside a container: a fixed URI, at most one header, a
 * fixed client address, a working attribute map, and asynchronous cycles ({@link BenchAsyncContext}, driven by
 * {@link BenchContainer}); no body, no session, no parameters. {@link #recycle()} empties the attributes and ends
 * the cycle so that one instance can stand for a new request each time, as a container recycles its request
 * objects. Operations a GET without body or session cannot serve (sessions, body streams, dispatchers) throw
 * {@link UnsupportedOperationException}. Not thread-safe: one per benchmark thread (the engine may call the async
 * context from its own thread, which that class allows).
 */
public final class BenchRequest implements HttpServletRequest {
    private final Attributes attributes = new Attributes(new HashMap<>());
    private final ServletContext context;
    private final String uri;
    private final String headerName;
    private final String headerValue;
    private final HttpServletResponse response;
    private BenchAsyncContext async;
    private DispatcherType dispatcherType = DispatcherType.REQUEST;

    /**
     * @param context     what {@link #getServletContext()} returns
     * @param uri         the request URI, also the servlet path (context path {@code ""})
     * @param headerName  the one header's name, or null for none
     * @param headerValue its value
     * @param response    the response paired with this request, for {@link #startAsync()}
     */
    public BenchRequest(ServletContext context, String uri, String headerName, String headerValue,
            HttpServletResponse response) {
        this.context = context;
        this.uri = uri;
        this.headerName = headerName;
        this.headerValue = headerValue;
        this.response = response;
    }

    /** Forgets the attributes and the asynchronous cycle of a previous pass, as a container does between requests. */
    public void recycle() {
        attributes.clear();
        async = null;
        dispatcherType = DispatcherType.REQUEST;
    }

    /** The cycle {@link #startAsync} began in this pass, or null. */
    BenchAsyncContext asyncContext() {
        return async;
    }

    /** As the container does when it re-dispatches after {@code AsyncContext.dispatch()}. */
    void dispatchedAsync() {
        dispatcherType = DispatcherType.ASYNC;
    }

    @Override
    public String getAuthType() {
        return null;
    }

    @Override
    public Cookie[] getCookies() {
        return null;
    }

    @Override
    public long getDateHeader(String name) {
        return -1;
    }

    @Override
    public String getHeader(String name) {
        return headerName != null && headerName.equalsIgnoreCase(name) ? headerValue : null;
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
        String value = getHeader(name);
        return value == null ? Collections.emptyEnumeration() : Collections.enumeration(List.of(value));
    }

    @Override
    public Enumeration<String> getHeaderNames() {
        return headerName == null ? Collections.emptyEnumeration() : Collections.enumeration(List.of(headerName));
    }

    @Override
    public int getIntHeader(String name) {
        String value = getHeader(name);
        return value == null ? -1 : Integer.parseInt(value);
    }

    @Override
    public String getMethod() {
        return "GET";
    }

    @Override
    public String getPathInfo() {
        return null;
    }

    @Override
    public String getPathTranslated() {
        return null;
    }

    @Override
    public String getContextPath() {
        return "";
    }

    @Override
    public String getQueryString() {
        return null;
    }

    @Override
    public String getRemoteUser() {
        return null;
    }

    @Override
    public boolean isUserInRole(String name) {
        return false;
    }

    @Override
    public java.security.Principal getUserPrincipal() {
        return null;
    }

    @Override
    public String getRequestedSessionId() {
        return null;
    }

    @Override
    public String getRequestURI() {
        return uri;
    }

    @Override
    public StringBuffer getRequestURL() {
        return new StringBuffer("http://127.0.0.1").append(uri);
    }

    @Override
    public String getServletPath() {
        return uri;
    }

    @Override
    public HttpSession getSession(boolean create) {
        throw new UnsupportedOperationException("getSession is not part of a benchmark exchange");
    }

    @Override
    public HttpSession getSession() {
        throw new UnsupportedOperationException("getSession is not part of a benchmark exchange");
    }

    @Override
    public String changeSessionId() {
        throw new UnsupportedOperationException("changeSessionId is not part of a benchmark exchange");
    }

    @Override
    public boolean isRequestedSessionIdValid() {
        return false;
    }

    @Override
    public boolean isRequestedSessionIdFromCookie() {
        return false;
    }

    @Override
    public boolean isRequestedSessionIdFromURL() {
        return false;
    }

    @Override
    public boolean authenticate(HttpServletResponse response) throws java.io.IOException, ServletException {
        throw new UnsupportedOperationException("authenticate is not part of a benchmark exchange");
    }

    @Override
    public void login(String name, String value) throws ServletException {
        throw new UnsupportedOperationException("login is not part of a benchmark exchange");
    }

    @Override
    public void logout() throws ServletException {
        throw new UnsupportedOperationException("logout is not part of a benchmark exchange");
    }

    @Override
    public Collection<Part> getParts() throws java.io.IOException, ServletException {
        throw new UnsupportedOperationException("getParts is not part of a benchmark exchange");
    }

    @Override
    public Part getPart(String name) throws java.io.IOException, ServletException {
        throw new UnsupportedOperationException("getPart is not part of a benchmark exchange");
    }

    @Override
    public <T extends HttpUpgradeHandler> T upgrade(Class<T> type) throws java.io.IOException, ServletException {
        throw new UnsupportedOperationException("upgrade is not part of a benchmark exchange");
    }

    @Override
    public Object getAttribute(String name) {
        return attributes.get(name);
    }

    @Override
    public Enumeration<String> getAttributeNames() {
        return attributes.names();
    }

    @Override
    public String getCharacterEncoding() {
        return null;
    }

    @Override
    public void setCharacterEncoding(String name) throws java.io.UnsupportedEncodingException {
        throw new UnsupportedOperationException("setCharacterEncoding is not part of a benchmark exchange");
    }

    @Override
    public int getContentLength() {
        return -1;
    }

    @Override
    public long getContentLengthLong() {
        return -1;
    }

    @Override
    public String getContentType() {
        return null;
    }

    @Override
    public ServletInputStream getInputStream() throws java.io.IOException {
        throw new UnsupportedOperationException("getInputStream is not part of a benchmark exchange");
    }

    @Override
    public String getParameter(String name) {
        return null;
    }

    @Override
    public Enumeration<String> getParameterNames() {
        return Collections.emptyEnumeration();
    }

    @Override
    public String[] getParameterValues(String name) {
        return null;
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        return Map.of();
    }

    @Override
    public String getProtocol() {
        return "HTTP/1.1";
    }

    @Override
    public String getScheme() {
        return "http";
    }

    @Override
    public String getServerName() {
        return "127.0.0.1";
    }

    @Override
    public int getServerPort() {
        return 8080;
    }

    @Override
    public java.io.BufferedReader getReader() throws java.io.IOException {
        throw new UnsupportedOperationException("getReader is not part of a benchmark exchange");
    }

    @Override
    public String getRemoteAddr() {
        return "192.0.2.10";
    }

    @Override
    public String getRemoteHost() {
        return "192.0.2.10";
    }

    @Override
    public void setAttribute(String name, Object value) {
        attributes.set(name, value);
    }

    @Override
    public void removeAttribute(String name) {
        attributes.remove(name);
    }

    @Override
    public java.util.Locale getLocale() {
        return java.util.Locale.ROOT;
    }

    @Override
    public Enumeration<java.util.Locale> getLocales() {
        return Collections.enumeration(List.of(java.util.Locale.ROOT));
    }

    @Override
    public boolean isSecure() {
        return false;
    }

    @Override
    public RequestDispatcher getRequestDispatcher(String name) {
        throw new UnsupportedOperationException("getRequestDispatcher is not part of a benchmark exchange");
    }

    @Override
    public int getRemotePort() {
        return 40000;
    }

    @Override
    public String getLocalName() {
        return "localhost";
    }

    @Override
    public String getLocalAddr() {
        return "127.0.0.1";
    }

    @Override
    public int getLocalPort() {
        return 8080;
    }

    @Override
    public ServletContext getServletContext() {
        return context;
    }

    @Override
    public AsyncContext startAsync() throws IllegalStateException {
        return startAsync(this, response);
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) throws IllegalStateException {
        if (async != null && async.pending()) {
            throw new IllegalStateException("an asynchronous cycle is already started");
        }
        async = new BenchAsyncContext(request, response);
        return async;
    }

    @Override
    public boolean isAsyncStarted() {
        return async != null && async.pending();
    }

    @Override
    public boolean isAsyncSupported() {
        return true;
    }

    @Override
    public AsyncContext getAsyncContext() {
        if (async == null) {
            throw new IllegalStateException("no asynchronous cycle was started");
        }
        return async;
    }

    @Override
    public DispatcherType getDispatcherType() {
        return dispatcherType;
    }

    @Override
    public String getRequestId() {
        return "1";
    }

    @Override
    public String getProtocolRequestId() {
        return "";
    }

    @Override
    public ServletConnection getServletConnection() {
        throw new UnsupportedOperationException("getServletConnection is not part of a benchmark exchange");
    }
}
