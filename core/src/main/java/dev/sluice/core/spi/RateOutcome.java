package dev.sluice.core.spi;

import dev.sluice.core.Reason;

/**
 * The result of {@link PolicyLimiter#consume}: immutable, checked at construction (Bucket4j's
 * {@code ConsumptionProbe} is the model). Build it with {@link #consumed} or {@link #refused}, and
 * {@link #withWaited} when the request waited in a queue.
 *
 * @param consumed      whether the tokens were taken (at once or after waiting)
 * @param reason        why not: {@link Reason#RATE}, {@link Reason#QUOTA}, {@link Reason#QUEUE_FULL},
 *                      {@link Reason#QUEUE_TIMEOUT} or {@link Reason#BACKEND_FAILURE}; null when consumed
 * @param remaining     tokens left afterwards in {@code band}, at least 0; without a band, the smallest over the bands
 * @param nanosToReset  until {@code band} is full again; without a band, until the whole bucket is; at least 0
 * @param nanosToRetry  when refused, until the request could pass (at least 0); 0 when consumed
 * @param waitedNanos   how long the request waited in the queue, at least 0
 * @param band          the id of the band ({@link BucketConfigurations#RATE} or {@link BucketConfigurations#QUOTA})
 *                      that {@code remaining} and {@code nanosToReset} describe: the one closest to exhaustion
 *                      (fewest tokens left); null when the backend does not say
 */
public record RateOutcome(boolean consumed, Reason reason, long remaining, long nanosToReset, long nanosToRetry,
        long waitedNanos, String band) {

    /** @throws IllegalArgumentException naming the component that breaks the rules above */
    public RateOutcome {
        if (consumed && reason != null) {
            throw new IllegalArgumentException("RateOutcome.reason must be null when consumed, got " + reason);
        }
        if (!consumed && reason == null) {
            throw new IllegalArgumentException("RateOutcome.reason is required when refused");
        }
        if (consumed && nanosToRetry != 0) {
            throw new IllegalArgumentException("RateOutcome.nanosToRetry must be 0 when consumed, got "
                    + nanosToRetry);
        }
        requireNotNegative("remaining", remaining);
        requireNotNegative("nanosToReset", nanosToReset);
        requireNotNegative("nanosToRetry", nanosToRetry);
        requireNotNegative("waitedNanos", waitedNanos);
    }

    /** Consumed, with the figures of the bucket as a whole (no band named). */
    public static RateOutcome consumed(long remaining, long nanosToReset) {
        return new RateOutcome(true, null, remaining, nanosToReset, 0, 0, null);
    }

    /** Consumed; {@code band}'s figures from {@link BucketConfigurations#closestBand}. */
    public static RateOutcome consumed(BucketConfigurations.Band band) {
        return new RateOutcome(true, null, band.remaining(), band.nanosToReset(), 0, 0, band.id());
    }

    /** Refused for {@code reason}, with the figures of the bucket as a whole (no band named). */
    public static RateOutcome refused(Reason reason, long remaining, long nanosToReset, long nanosToRetry) {
        return new RateOutcome(false, reason, remaining, nanosToReset, nanosToRetry, 0, null);
    }

    /** This outcome, reached after waiting {@code nanos} in the queue. */
    public RateOutcome withWaited(long nanos) {
        return new RateOutcome(consumed, reason, remaining, nanosToReset, nanosToRetry, nanos, band);
    }

    private static void requireNotNegative(String component, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("RateOutcome." + component + " must be at least 0, got " + value);
        }
    }
}
