package dev.sluice.core.config;

import java.time.Duration;

/**
 * Requests that a rate or concurrency limit refuses wait instead, first in first out, up to {@code depth} waiting
 * per key and limiter, each at most {@code maxWait} in total for its policy.
 *
 * @param depth   how many may wait, 1 to 1,000,000
 * @param maxWait how long one may wait, 1ms to 1h
 */
public record QueueLimit(int depth, Duration maxWait) {
    public static final int MAX_DEPTH = 1_000_000;

    public QueueLimit {
        Checks.positive("depth", depth, MAX_DEPTH);
        Checks.between("max-wait", maxWait, Duration.ofMillis(1), Duration.ofHours(1));
    }
}
