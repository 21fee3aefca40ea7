package dev.sluice.core.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The security-relevant reading of a request's path and query string, shared by the adapters so that a policy on
 * {@code /api/**} sees the path the server will serve, whichever adapter is in front.
 *
 * <p>A path is matched as the client sent it (not decoded) when that form is {@linkplain #isCanonical canonical};
 * otherwise the adapter supplies the canonical form, and what it supplies is where the adapters differ:
 * <ul>
 *   <li>the servlet filter uses the container's own canonical path (servlet path plus path info), the form the
 *       container dispatches on;</li>
 *   <li>the gateway decodes the segments as its {@code Path} predicate does and resolves them with
 *       {@link #resolve(List, boolean)}.</li>
 * </ul>
 * Query parameters: the servlet filter reads them here with {@link #queryParameter(String, String)} (so that a form
 * body stays unread); the gateway uses the framework's parsed query parameters, the ones its {@code Query}
 * predicate matches, which differ from these in corner cases (malformed escapes, a name without {@code =}).
 *
 * <p>Stateless and thread-safe.
 */
public final class RequestPaths {
    /** Query parameters looked at per lookup; later ones are ignored, so a huge query costs a bounded scan. */
    public static final int MAX_QUERY_PARAMETERS = 256;

    private RequestPaths() {}

    /**
     * The path policies match: {@code raw} (the path within the application, as sent) when it is
     * {@linkplain #isCanonical canonical}, else what {@code canonical} gives, the adapter's canonical form of it
     * (see the class comment); {@code /} for an empty path.
     *
     * @param raw       the path within the application, not decoded; may be empty
     * @param canonical asked only when {@code raw} is not canonical
     */
    public static String matchPath(String raw, Supplier<String> canonical) {
        if (raw.isEmpty()) {
            return "/";
        }
        if (isCanonical(raw)) {
            return raw;
        }
        String path = canonical.get();
        return path.isEmpty() ? "/" : path;
    }

    /** A request URI without its context path (when it starts with it), as sent; the empty path stays empty. */
    public static String withinContext(String uri, String contextPath) {
        if (contextPath != null && !contextPath.isEmpty() && uri.startsWith(contextPath)) {
            return uri.substring(contextPath.length());
        }
        return uri;
    }

    /**
     * Whether {@code path} (non-empty, as sent) can be matched as it is: it starts with {@code /} and has no
     * percent-escape (escapes decode to another path, {@code /ap%69/x} is {@code /api/x}), no {@code ;} path
     * parameter, no {@code .} or {@code ..} segment and no empty segment but a trailing slash.
     */
    public static boolean isCanonical(String path) {
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

    /**
     * The canonical path of already decoded segments (without path parameters): empty and {@code .} segments
     * dropped, {@code ..} removing the segment before it (never climbing above the root).
     *
     * @param segments      the decoded segments in order
     * @param trailingSlash whether the path ends with a separator; kept as a trailing {@code /}
     * @return a path starting with {@code /}; {@code /} when no segment remains
     */
    public static String resolve(List<String> segments, boolean trailingSlash) {
        List<String> kept = new ArrayList<>(segments.size());
        for (String value : segments) {
            if (value.isEmpty() || value.equals(".")) {
                continue;
            }
            if (value.equals("..")) {
                if (!kept.isEmpty()) {
                    kept.remove(kept.size() - 1);
                }
                continue;
            }
            kept.add(value);
        }
        StringBuilder canonical = new StringBuilder();
        for (String segment : kept) {
            canonical.append('/').append(segment);
        }
        if (canonical.length() == 0 || trailingSlash) {
            canonical.append('/');
        }
        return canonical.toString();
    }

    /**
     * The first value of {@code name} in a raw query string: pairs split on {@code &}, names and values
     * percent-decoded as UTF-8 with {@code +} as space; a pair without {@code =} has the empty value. Only the
     * first {@value #MAX_QUERY_PARAMETERS} pairs are looked at.
     *
     * @param query the raw query string, or null
     * @return the decoded value, or null when absent
     */
    public static String queryParameter(String query, String name) {
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

    /**
     * Percent-decodes {@code text[from, to)} as UTF-8 with {@code +} as space (form encoding); a malformed escape
     * is kept as written.
     */
    private static String decode(String text, int from, int to) {
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
}
