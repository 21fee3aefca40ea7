package dev.sluice.core.engine;

/**
 * An Ant-style path pattern: {@code ?} matches one character and {@code *} any characters within a segment,
 * {@code **} any number of whole segments (including none). Empty path segments ({@code //}, a trailing
 * {@code /}) are ignored, so {@code //api/x} cannot slip past {@code /api/**}. Matching allocates nothing.
 * Immutable and thread-safe.
 */
public final class PathPattern {
    private final String text;
    private final String[] segments;
    private final boolean matchesAll;

    public PathPattern(String text) {
        if (text == null || !text.startsWith("/")) {
            throw new IllegalArgumentException("a path pattern starts with '/', got " + text);
        }
        this.text = text;
        this.segments = java.util.Arrays.stream(text.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
        this.matchesAll = segments.length == 1 && segments[0].equals("**");
    }

    public boolean matches(String path) {
        return matchesAll || matchFrom(0, path, 0);
    }

    /** Matches pattern segments from {@code pi} against the path from character {@code pos}. */
    private boolean matchFrom(int pi, String path, int pos) {
        int length = path.length();
        while (pi < segments.length) {
            pos = skipSlashes(path, pos);
            String segment = segments[pi];
            if (segment.equals("**")) {
                if (pi == segments.length - 1) {
                    return true;
                }
                while (true) {
                    if (matchFrom(pi + 1, path, pos)) {
                        return true;
                    }
                    if (pos >= length) {
                        return false;
                    }
                    pos = segmentEnd(path, pos);
                    pos = skipSlashes(path, pos);
                    if (pos >= length) {
                        return matchFrom(pi + 1, path, pos);
                    }
                }
            }
            if (pos >= length) {
                return false;
            }
            int end = segmentEnd(path, pos);
            if (!glob(segment, 0, path, pos, end)) {
                return false;
            }
            pos = end;
            pi++;
        }
        return skipSlashes(path, pos) >= length;
    }

    private static int skipSlashes(String path, int pos) {
        while (pos < path.length() && path.charAt(pos) == '/') {
            pos++;
        }
        return pos;
    }

    private static int segmentEnd(String path, int pos) {
        int slash = path.indexOf('/', pos);
        return slash < 0 ? path.length() : slash;
    }

    /** Glob match of {@code pattern[p..]} against {@code path[s..end)}. */
    private static boolean glob(String pattern, int p, String path, int s, int end) {
        int starP = -1;
        int starS = -1;
        while (s < end) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == path.charAt(s))) {
                p++;
                s++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                starP = p++;
                starS = s;
            } else if (starP >= 0) {
                p = starP + 1;
                s = ++starS;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    @Override
    public String toString() {
        return text;
    }
}
