package dev.sluice.core.spi;

import dev.sluice.core.Reason;

/**
 * The result of {@link PolicyLimiter#consume}.
 *
 * @param consumed      whether the tokens were taken (at once or after waiting)
 * @param reason        why not: {@link Reason#RATE}, {@link Reason#QUOTA}, {@link Reason#QUEUE_FULL},
 *                      {@link Reason#QUEUE_TIMEOUT} or {@link Reason#BACKEND_FAILURE}; null when consumed
 * @param remaining     tokens left in the bucket afterwards (the smallest over its bands), at least 0
 * @param nanosToReset  until the bucket is full again
 * @param nanosToRetry  when refused, until the request could pass; 0 when consumed
 * @param waitedNanos   how long the request waited in the queue
 * @param degraded      whether a backend failure rule decided instead of the backend
 */
public record RateOutcome(boolean consumed, Reason reason, long remaining, long nanosToReset, long nanosToRetry,
        long waitedNanos, boolean degraded) {

    public static RateOutcome consumed(long remaining, long nanosToReset) {
        return new RateOutcome(true, null, remaining, nanosToReset, 0, 0, false);
    }

    public static RateOutcome refused(Reason reason, long remaining, long nanosToReset, long nanosToRetry) {
        return new RateOutcome(false, reason, remaining, nanosToReset, nanosToRetry, 0, false);
    }

    public RateOutcome withWaited(long nanos) {
        return new RateOutcome(consumed, reason, remaining, nanosToReset, nanosToRetry, nanos, degraded);
    }

    public RateOutcome asDegraded() {
        return new RateOutcome(consumed, reason, remaining, nanosToReset, nanosToRetry, waitedNanos, true);
    }
}
