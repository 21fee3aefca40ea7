package dev.sluice.core.config;

/** Checks on HTTP header names as configuration uses them. */
public final class HeaderNames {
    private HeaderNames() {}

    /** True for a non-empty RFC 9110 token of at most 256 characters. */
    public static boolean isToken(String name) {
        if (name == null || name.isEmpty() || name.length() > 256) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
