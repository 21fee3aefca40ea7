package dev.sluice.bench.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.SessionCookieConfig;
import jakarta.servlet.SessionTrackingMode;
import jakarta.servlet.descriptor.JspConfigDescriptor;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real, minimal servlet context for initialising a filter outside a container: thread-safe attributes, no
 * init-parameters, no resources, logging discarded. Registering servlets, filters or listeners and dispatching are
 * container work and throw {@link UnsupportedOperationException}.
 */
public final class BenchServletContext implements ServletContext {
    private final Attributes attributes = new Attributes(new ConcurrentHashMap<>());

    @Override
    public String getContextPath() {
        return "";
    }

    @Override
    public ServletContext getContext(String name) {
        throw new UnsupportedOperationException("getContext is not part of a benchmark exchange");
    }

    @Override
    public int getMajorVersion() {
        return 6;
    }

    @Override
    public int getMinorVersion() {
        return 0;
    }

    @Override
    public int getEffectiveMajorVersion() {
        return 6;
    }

    @Override
    public int getEffectiveMinorVersion() {
        return 0;
    }

    @Override
    public String getMimeType(String name) {
        return null;
    }

    @Override
    public Set<String> getResourcePaths(String name) {
        return Set.of();
    }

    @Override
    public java.net.URL getResource(String name) throws java.net.MalformedURLException {
        return null;
    }

    @Override
    public java.io.InputStream getResourceAsStream(String name) {
        return null;
    }

    @Override
    public RequestDispatcher getRequestDispatcher(String name) {
        throw new UnsupportedOperationException("getRequestDispatcher is not part of a benchmark exchange");
    }

    @Override
    public RequestDispatcher getNamedDispatcher(String name) {
        throw new UnsupportedOperationException("getNamedDispatcher is not part of a benchmark exchange");
    }

    @Override
    public void log(String message) {
        // not kept: nothing in a benchmark exchange reads it back
    }

    @Override
    public void log(String message, Throwable failure) {
        // not kept: nothing in a benchmark exchange reads it back
    }

    @Override
    public String getRealPath(String name) {
        return null;
    }

    @Override
    public String getServerInfo() {
        return "sluice-bench";
    }

    @Override
    public String getInitParameter(String name) {
        return null;
    }

    @Override
    public Enumeration<String> getInitParameterNames() {
        return Collections.emptyEnumeration();
    }

    @Override
    public boolean setInitParameter(String name, String value) {
        throw new UnsupportedOperationException("setInitParameter is not part of a benchmark exchange");
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
    public void setAttribute(String name, Object value) {
        attributes.set(name, value);
    }

    @Override
    public void removeAttribute(String name) {
        attributes.remove(name);
    }

    @Override
    public String getServletContextName() {
        return "bench";
    }

    @Override
    public ServletRegistration.Dynamic addServlet(String name, String value) {
        throw new UnsupportedOperationException("addServlet is not part of a benchmark exchange");
    }

    @Override
    public ServletRegistration.Dynamic addServlet(String name, Servlet servlet) {
        throw new UnsupportedOperationException("addServlet is not part of a benchmark exchange");
    }

    @Override
    public ServletRegistration.Dynamic addServlet(String name, Class<? extends Servlet> type) {
        throw new UnsupportedOperationException("addServlet is not part of a benchmark exchange");
    }

    @Override
    public ServletRegistration.Dynamic addJspFile(String name, String value) {
        throw new UnsupportedOperationException("addJspFile is not part of a benchmark exchange");
    }

    @Override
    public <T extends Servlet> T createServlet(Class<T> type) throws ServletException {
        throw new UnsupportedOperationException("createServlet is not part of a benchmark exchange");
    }

    @Override
    public ServletRegistration getServletRegistration(String name) {
        return null;
    }

    @Override
    public Map<String, ? extends ServletRegistration> getServletRegistrations() {
        return Map.of();
    }

    @Override
    public FilterRegistration.Dynamic addFilter(String name, String value) {
        throw new UnsupportedOperationException("addFilter is not part of a benchmark exchange");
    }

    @Override
    public FilterRegistration.Dynamic addFilter(String name, Filter filter) {
        throw new UnsupportedOperationException("addFilter is not part of a benchmark exchange");
    }

    @Override
    public FilterRegistration.Dynamic addFilter(String name, Class<? extends Filter> type) {
        throw new UnsupportedOperationException("addFilter is not part of a benchmark exchange");
    }

    @Override
    public <T extends Filter> T createFilter(Class<T> type) throws ServletException {
        throw new UnsupportedOperationException("createFilter is not part of a benchmark exchange");
    }

    @Override
    public FilterRegistration getFilterRegistration(String name) {
        return null;
    }

    @Override
    public Map<String, ? extends FilterRegistration> getFilterRegistrations() {
        return Map.of();
    }

    @Override
    public SessionCookieConfig getSessionCookieConfig() {
        throw new UnsupportedOperationException("getSessionCookieConfig is not part of a benchmark exchange");
    }

    @Override
    public void setSessionTrackingModes(Set<SessionTrackingMode> modes) {
        throw new UnsupportedOperationException("setSessionTrackingModes is not part of a benchmark exchange");
    }

    @Override
    public Set<SessionTrackingMode> getDefaultSessionTrackingModes() {
        return Set.of();
    }

    @Override
    public Set<SessionTrackingMode> getEffectiveSessionTrackingModes() {
        return Set.of();
    }

    @Override
    public void addListener(String name) {
        throw new UnsupportedOperationException("addListener is not part of a benchmark exchange");
    }

    @Override
    public <T extends java.util.EventListener> void addListener(T listener) {
        throw new UnsupportedOperationException("addListener is not part of a benchmark exchange");
    }

    @Override
    public void addListener(Class<? extends java.util.EventListener> type) {
        throw new UnsupportedOperationException("addListener is not part of a benchmark exchange");
    }

    @Override
    public <T extends java.util.EventListener> T createListener(Class<T> type) throws ServletException {
        throw new UnsupportedOperationException("createListener is not part of a benchmark exchange");
    }

    @Override
    public JspConfigDescriptor getJspConfigDescriptor() {
        throw new UnsupportedOperationException("getJspConfigDescriptor is not part of a benchmark exchange");
    }

    @Override
    public ClassLoader getClassLoader() {
        return BenchServletContext.class.getClassLoader();
    }

    @Override
    public void declareRoles(String... roles) {
        throw new UnsupportedOperationException("declareRoles is not part of a benchmark exchange");
    }

    @Override
    public String getVirtualServerName() {
        return "localhost";
    }

    @Override
    public int getSessionTimeout() {
        return 0;
    }

    @Override
    public void setSessionTimeout(int value) {
        throw new UnsupportedOperationException("setSessionTimeout is not part of a benchmark exchange");
    }

    @Override
    public String getRequestCharacterEncoding() {
        return "UTF-8";
    }

    @Override
    public void setRequestCharacterEncoding(String name) {
        throw new UnsupportedOperationException("setRequestCharacterEncoding is not part of a benchmark exchange");
    }

    @Override
    public String getResponseCharacterEncoding() {
        return "UTF-8";
    }

    @Override
    public void setResponseCharacterEncoding(String name) {
        throw new UnsupportedOperationException("setResponseCharacterEncoding is not part of a benchmark exchange");
    }
}
