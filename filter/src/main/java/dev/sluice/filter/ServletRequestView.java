package dev.sluice.filter;

import dev.sluice.core.RequestView;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * What the engine sees of a servlet request. Reads the request lazily and never its body: query parameters come
 * from {@link HttpServletRequest#getQueryString()}, parsed here, so that a form body stays unread for the
 * application. Used only on the thread that calls {@code admit}, during that call.
 */
final class ServletRequestView implements RequestView {
    /** Query parameters looked at per lookup; later ones are ignored, so a huge query costs a bounded scan. */
    static final int MAX_QUERY_PARAMETERS = 256;

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
     * cannot slip past a policy on {@code /api/**} while the container serves it as {@code /api/a}.
     */
    @Override
    public String path() {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        String path = uri;
        if (context != null && !context.isEmpty() && uri.startsWith(context)) {
            path = uri.substring(context.length());
        }
        if (path.isEmpty()) {
            return "/";
        }
        if (isCanonical(path)) {
            return path;
        }
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        String canonical = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
        return canonical.isEmpty() ? "/" : canonical;
    }

    static boolean isCanonical(String path) {
        if (path.charAt(0) != '/' || path.indexOf(';') >= 0 || path.indexOf('%') >= 0) {
            return false;
        }
        int segmentStart = 1;
        for (int i = 1; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                int length = i - segmentStart;
                boolean dots = (length == 1 && path.charAt(segmentStart) == '.')
                        || (length == 2 && path.charAt(segmentStart) == '.' && path.charAt(segmentStart + 1) == '.');
                boolean emptyInside = length == 0 && i < path.length();
                if (dots || emptyInside) {
                    return false;
                }
                segmentStart = i + 1;
            }
        }
        return true;
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
        return queryParameter(request.getQueryString(), name);
    }

    /**
     * The first value of {@code name} in a raw query string: pairs split on {@code &}, names and values
     * percent-decoded as UTF-8 with {@code +} as space; a pair without {@code =} has the empty value.
     */
    static String queryParameter(String query, String name) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        int start = 0;
        for (int seen = 0; start <= query.length() && seen < MAX_QUERY_PARAMETERS; seen++) {
            int end = query.indexOf('&', start);
            if (end < 0) {
                end = query.length();
            }
            if (end > start) {
                int equals = query.indexOf('=', start);
                int nameEnd = equals < 0 || equals > end ? end : equals;
                if (decode(query, start, nameEnd).equals(name)) {
                    return nameEnd == end ? "" : decode(query, nameEnd + 1, end);
                }
            }
            start = end + 1;
        }
        return null;
    }

    /** Percent-decodes {@code text[from, to)}; a malformed escape is kept as written. */
    static String decode(String text, int from, int to) {
        boolean plain = true;
        for (int i = from; i < to && plain; i++) {
            char c = text.charAt(i);
            plain = c != '%' && c != '+';
        }
        if (plain) {
            return text.substring(from, to);
        }
        byte[] bytes = new byte[(to - from) * 3];
        int length = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == '+') {
                bytes[length++] = ' ';
            } else if (c == '%' && hex(text, i + 1, to) >= 0 && hex(text, i + 2, to) >= 0) {
                bytes[length++] = (byte) (hex(text, i + 1, to) * 16 + hex(text, i + 2, to));
                i += 2;
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < to) {
                    encoded = text.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                System.arraycopy(encoded, 0, bytes, length, encoded.length);
                length += encoded.length;
            }
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    private static int hex(String text, int index, int limit) {
        if (index >= limit) {
            return -1;
        }
        return Character.digit(text.charAt(index), 16);
    }

    @Override
    public String cookie(String name) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return null;
        }
        for (Cookie cookie : cookies) {
            if (cookie.getName().equals(name)) {
                return cookie.getValue();
            }
        }
        return null;
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
