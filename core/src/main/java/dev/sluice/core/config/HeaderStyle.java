package dev.sluice.core.config;

/** Which rate-limit headers responses carry. */
public enum HeaderStyle {
    /** {@code RateLimit-Policy} and {@code RateLimit} (draft-ietf-httpapi-ratelimit-headers), plus Retry-After. */
    IETF,
    /** {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining}, {@code X-RateLimit-Reset}, plus Retry-After. */
    LEGACY,
    /** Both sets. */
    BOTH,
    /** Only Retry-After on refusals. */
    NONE;

    public boolean ietf() { return this == IETF || this == BOTH; }

    public boolean legacy() { return this == LEGACY || this == BOTH; }
}
