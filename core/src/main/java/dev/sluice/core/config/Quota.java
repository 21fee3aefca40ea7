package dev.sluice.core.config;

import java.time.Duration;

/**
 * A long-window allowance on top of {@link Rate}: {@code limit} tokens per {@code period}, refilled all at once at
 * the end of each period (counted from the bucket's creation), so that a daily quota means "so many per day" and
 * does not trickle back.
 *
 * @param limit  tokens per period, 1 to 1,000,000,000
 * @param period 1s to 366d
 */
public record Quota(long limit, Duration period) {
    public Quota {
        Checks.positive("limit", limit, Rate.MAX_TOKENS);
        Checks.between("period", period, Duration.ofSeconds(1), Duration.ofDays(366));
    }
}
