package dev.sluice.core.config;

import java.time.Duration;

/**
 * At most {@code permits} requests (or cost units) in flight at once per key.
 *
 * @param permits the full count, 1 to 1,000,000
 * @param lease   how long a permit stays held without renewal; a live holder renews it while the request runs, so
 *                this bounds how long the permits of a crashed node stay taken. 1s to 1d, default 30s
 */
public record Concurrency(int permits, Duration lease) {
    public static final int MAX_PERMITS = 1_000_000;
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    public Concurrency {
        Checks.positive("permits", permits, MAX_PERMITS);
        Checks.between("lease", lease, Duration.ofSeconds(1), Duration.ofDays(1));
    }

    public Concurrency(int permits) {
        this(permits, DEFAULT_LEASE);
    }
}
