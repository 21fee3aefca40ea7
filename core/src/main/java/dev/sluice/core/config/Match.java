package dev.sluice.core.config;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which requests a policy applies to: every condition must hold.
 *
 * @param paths   Ant-style patterns on the request path (without the context path): {@code *} matches within one
 *                segment, {@code **} any number of whole segments; default {@code /**}
 * @param methods HTTP methods in upper case; empty means every method
 * @param headers header conditions; empty means none
 */
public record Match(List<String> paths, Set<String> methods, List<HeaderCondition> headers) {
    public static final Match ALL = new Match(List.of("/**"), Set.of(), List.of());
    private static final Pattern METHOD = Pattern.compile("[A-Z][A-Z_-]{0,31}");

    public Match {
        paths = List.copyOf(paths == null || paths.isEmpty() ? List.of("/**") : paths);
        for (int i = 0; i < paths.size(); i++) {
            String path = paths.get(i);
            if (path == null || !path.startsWith("/") || path.length() > 1024) {
                throw new FieldException("paths[" + i + "]", "must be a path pattern starting with '/'", path);
            }
        }
        methods = Set.copyOf(methods == null ? Set.of() : methods);
        for (String method : methods) {
            if (method == null || !METHOD.matcher(method).matches()) {
                throw new FieldException("methods", "must list HTTP methods in upper case, such as GET or POST",
                        method);
            }
        }
        headers = List.copyOf(headers == null ? List.of() : headers);
    }

    /** Upper-cases a method name as {@link #methods} holds them. */
    public static String method(String name) {
        return name.toUpperCase(Locale.ROOT);
    }
}
