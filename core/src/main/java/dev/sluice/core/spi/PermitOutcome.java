package dev.sluice.core.spi;

import dev.sluice.core.Reason;

/**
 * The result of {@link PolicyLimiter#acquire}.
 *
 * @param lease        what to release when the request ends; null when refused
 * @param reason       why not: {@link Reason#CONCURRENCY}, {@link Reason#QUEUE_FULL}, {@link Reason#QUEUE_TIMEOUT}
 *                     or {@link Reason#BACKEND_FAILURE}; null when granted
 * @param inUse        permits in use after the decision, as far as the backend knows
 * @param nanosToRetry when refused, a hint for Retry-After
 * @param waitedNanos  how long the request waited in the queue
 * @param degraded     whether a backend failure rule decided instead of the backend
 */
public record PermitOutcome(Lease lease, Reason reason, long inUse, long nanosToRetry, long waitedNanos,
        boolean degraded) {

    public static PermitOutcome granted(Lease lease, long inUse) {
        return new PermitOutcome(lease, null, inUse, 0, 0, false);
    }

    public static PermitOutcome refused(Reason reason, long inUse, long nanosToRetry) {
        return new PermitOutcome(null, reason, inUse, nanosToRetry, 0, false);
    }

    public boolean granted() {
        return lease != null;
    }

    public PermitOutcome withWaited(long nanos) {
        return new PermitOutcome(lease, reason, inUse, nanosToRetry, nanos, degraded);
    }

    public PermitOutcome asDegraded() {
        return new PermitOutcome(lease, reason, inUse, nanosToRetry, waitedNanos, true);
    }
}
