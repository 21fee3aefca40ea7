package dev.sluice.core.config;

import java.time.Duration;

/**
 * A token bucket: {@code limit} tokens are added per {@code period}, smoothly (greedy refill), and the bucket holds
 * at most {@code burst} tokens. A new bucket starts full.
 *
 * @param limit  tokens added per period, 1 to 1,000,000,000
 * @param period the refill period, 1ms to 1d
 * @param burst  the bucket's capacity, 1 to 1,000,000,000; defaults to {@code limit}
 */
public record Rate(long limit, Duration period, long burst) {
    public static final long MAX_TOKENS = 1_000_000_000L;

    public Rate {
        Checks.positive("limit", limit, MAX_TOKENS);
        Checks.between("period", period, Duration.ofMillis(1), Duration.ofDays(1));
        Checks.positive("burst", burst, MAX_TOKENS);
    }

    /** A rate whose burst equals its limit. */
    public Rate(long limit, Duration period) {
        this(limit, period, limit);
    }

    /** Tokens added per second, for metrics and headers. */
    public double perSecond() {
        return limit * 1e9 / period.toNanos();
    }
}
