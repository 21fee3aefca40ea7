package dev.sluice.core.management;

/**
 * The conditional headers of a write: {@code If-Match: "7"} (the version last read; {@code *} = must exist) and
 * {@code If-None-Match: *} (create only).
 *
 * @param expected what the store should find: null for anything, 0 for nothing, else a version; {@link #EXISTS}
 *                 for "any version"
 * @param problem  a 400 when the headers are malformed, else null
 */
record Preconditions(Long expected, ManagementResponse problem) {
    static final long EXISTS = -1;

    static Preconditions of(ManagementRequest request) {
        String ifMatch = request.headers().get("If-Match");
        String ifNoneMatch = request.headers().get("If-None-Match");
        if (ifMatch != null && ifNoneMatch != null) {
            return bad("Send If-Match or If-None-Match, not both.");
        }
        if (ifNoneMatch != null) {
            return ifNoneMatch.strip().equals("*") ? new Preconditions(0L, null)
                    : bad("If-None-Match accepts only '*' (create only), got '" + Json.clip(ifNoneMatch) + "'.");
        }
        if (ifMatch == null) {
            return new Preconditions(null, null);
        }
        String value = ifMatch.strip();
        if (value.equals("*")) {
            return new Preconditions(EXISTS, null);
        }
        if (value.startsWith("W/")) {
            value = value.substring(2);
        }
        // At most 18 digits, so that any version fits a long.
        if (value.length() < 3 || value.length() > 20 || !value.startsWith("\"") || !value.endsWith("\"")) {
            return bad("If-Match must be one ETag as GET returned it, such as \"7\", or '*'; got '"
                    + Json.clip(ifMatch) + "'.");
        }
        String digits = value.substring(1, value.length() - 1);
        if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return bad("If-Match must be one ETag as GET returned it, such as \"7\"; got '" + Json.clip(ifMatch)
                    + "'.");
        }
        long version = Long.parseLong(digits);
        if (version < 1) {
            return bad("If-Match names version " + version + "; versions start at 1.");
        }
        return new Preconditions(version, null);
    }

    private static Preconditions bad(String detail) {
        return new Preconditions(null, Problems.of(400, "bad-precondition", "Malformed conditional header", detail));
    }
}
