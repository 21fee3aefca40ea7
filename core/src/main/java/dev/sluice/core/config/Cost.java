package dev.sluice.core.config;

/**
 * What one request costs, in tokens of the rate and quota and in permits of the concurrency limit: a constant, or
 * the integer value of a request header, clamped to {@code [1, max]}, with {@code fixed} used when the header is
 * absent or not a number.
 *
 * @param fixed  the cost when no header is named, or the header's fallback; 1 to 1,000,000
 * @param header the header carrying the cost, or null
 * @param max    the largest cost a header may claim; 1 to 1,000,000
 */
public record Cost(long fixed, String header, long max) {
    public static final long MAX_COST = 1_000_000L;
    public static final Cost ONE = new Cost(1, null, 1);

    public Cost {
        Checks.positive("fixed", fixed, MAX_COST);
        Checks.positive("max", max, MAX_COST);
        if (header != null && !HeaderNames.isToken(header)) {
            throw new FieldException("header", "must be an HTTP header name (letters, digits, '-', '_')", header);
        }
        if (header == null && max != fixed) {
            max = fixed;
        }
        if (header != null && fixed > max) {
            throw new FieldException("fixed", "must not exceed max (" + max + ")", fixed);
        }
    }

    public static Cost of(long fixed) {
        return fixed == 1 ? ONE : new Cost(fixed, null, fixed);
    }

    /** The largest cost any request can have under this rule. */
    public long ceiling() {
        return header == null ? fixed : max;
    }
}
