package dev.sluice.filter;

import dev.sluice.core.RequestView;
import dev.sluice.core.http.RequestPaths;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;

/**
 * What the engine sees of a servlet request. Reads the request lazily and never its body: query parameters come
 * from {@link HttpServletRequest#getQueryString()}, parsed by {@link RequestPaths#queryParameter}, so that a form
 * body stays unread for the application. Used only on the thread that calls {@code admit}, during that call.
 */
final class ServletRequestView implements RequestView {
    private final HttpServletRequest request;

    ServletRequestView(HttpServletRequest request) {
        this.request = request;
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    /**
     * The request URI without the context path, as the client sent it (not decoded). When that form is not
     * canonical (percent-escapes such as {@code /ap%69/x}, path parameters such as {@code ;jsessionid=}, {@code .}
     * or {@code ..} segments, empty segments),
     * the container's canonical path (servlet path plus path info) is used instead, so that {@code /x/../api/a}
     * cannot slip past a policy on {@code /api/**} while the container serves it as {@code /api/a}
     * ({@link RequestPaths#matchPath}).
     */
    @Override
    public String path() {
        String within = RequestPaths.withinContext(request.getRequestURI(), request.getContextPath());
        return RequestPaths.matchPath(within, () -> Objects.toString(request.getServletPath(), "")
                + Objects.toString(request.getPathInfo(), ""));
    }

    @Override
    public String header(String name) {
        return request.getHeader(name);
    }

    @Override
    public List<String> headers(String name) {
        Enumeration<String> values = request.getHeaders(name);
        return values == null ? List.of() : Collections.list(values);
    }

    @Override
    public String queryParameter(String name) {
        return RequestPaths.queryParameter(request.getQueryString(), name);
    }

    @Override
    public String cookie(String name) {
        Cookie[] cookies = request.getCookies();
        return cookies == null ? null : Arrays.stream(cookies).filter(cookie -> cookie.getName().equals(name))
                .map(Cookie::getValue).findFirst().orElse(null);
    }

    @Override
    public String remoteAddress() {
        return request.getRemoteAddr();
    }

    @Override
    public String principal() {
        Principal principal = request.getUserPrincipal();
        return principal == null ? null : principal.getName();
    }
}
