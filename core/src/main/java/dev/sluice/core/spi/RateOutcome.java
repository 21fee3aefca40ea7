package dev.sluice.core.spi;

import dev.sluice.core.Reason;

/**
 * The result of {@link PolicyLimiter#consume}.
 *
 * @param consumed      whether the tokens were taken (at once or after waiting)
 * @param reason        why not: {@link Reason#RATE}, {@link Reason#QUOTA}, {@link Reason#QUEUE_FULL},
 *                      {@link Reason#QUEUE_TIMEOUT} or {@link Reason#BACKEND_FAILURE}; null when consumed
 * @param remaining     tokens left afterwards in {@code band}, at least 0; without a band, the smallest over the bands
 * @param nanosToReset  until {@code band} is full again; without a band, until the whole bucket is
 * @param nanosToRetry  when refused, until the request could pass; 0 when consumed
 * @param waitedNanos   how long the request waited in the queue
 * @param degraded      whether a backend failure rule decided instead of the backend
 * @param band          the id of the band ({@link BucketConfigurations#RATE} or {@link BucketConfigurations#QUOTA})
 *                      that {@code remaining} and {@code nanosToReset} describe: the one closest to exhaustion
 *                      (fewest tokens left); null when the backend does not say
 */
public record RateOutcome(boolean consumed, Reason reason, long remaining, long nanosToReset, long nanosToRetry,
        long waitedNanos, boolean degraded, String band) {

    public static RateOutcome consumed(long remaining, long nanosToReset) {
        return new RateOutcome(true, null, remaining, nanosToReset, 0, 0, false, null);
    }

    /** Consumed; {@code band}'s figures from {@link BucketConfigurations#closestBand}. */
    public static RateOutcome consumed(BucketConfigurations.Band band) {
        return new RateOutcome(true, null, band.remaining(), band.nanosToReset(), 0, 0, false, band.id());
    }

    public static RateOutcome refused(Reason reason, long remaining, long nanosToReset, long nanosToRetry) {
        return new RateOutcome(false, reason, remaining, nanosToReset, nanosToRetry, 0, false, null);
    }

    public RateOutcome withWaited(long nanos) {
        return new RateOutcome(consumed, reason, remaining, nanosToReset, nanosToRetry, nanos, degraded, band);
    }

    public RateOutcome asDegraded() {
        return new RateOutcome(consumed, reason, remaining, nanosToReset, nanosToRetry, waitedNanos, true, band);
    }
}
