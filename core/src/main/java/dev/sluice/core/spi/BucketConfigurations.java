package dev.sluice.core.spi;

import dev.sluice.core.config.Policy;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.ConfigurationBuilder;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseResult;
import java.time.Duration;

/**
 * The Bucket4j configuration of a policy, shared by every backend so that a bucket means the same everywhere: a
 * band with id {@value #RATE} (capacity = burst, greedy refill of limit per period) and a band with id
 * {@value #QUOTA} (capacity = limit, refilled all at once per period). Bands carry ids so that a live change that
 * adds or removes the quota keeps the other band's tokens.
 */
public final class BucketConfigurations {
    public static final String RATE = "rate";
    public static final String QUOTA = "quota";

    private BucketConfigurations() {}

    /** The configuration, or null when the policy has neither rate nor quota. */
    public static BucketConfiguration of(Policy policy) {
        if (policy.rate() == null && policy.quota() == null) {
            return null;
        }
        ConfigurationBuilder builder = BucketConfiguration.builder();
        if (policy.rate() != null) {
            builder.addLimit(limit -> limit.capacity(policy.rate().burst())
                    .refillGreedy(policy.rate().limit(), policy.rate().period()).id(RATE));
        }
        if (policy.quota() != null) {
            builder.addLimit(limit -> limit.capacity(policy.quota().limit())
                    .refillIntervally(policy.quota().limit(), policy.quota().period()).id(QUOTA));
        }
        return builder.build();
    }

    /** The index of the quota band in {@link #of}'s configuration, or -1 when there is none. */
    public static int quotaBand(Policy policy) {
        if (policy.quota() == null) {
            return -1;
        }
        return policy.rate() == null ? 0 : 1;
    }

    /**
     * How long an untouched bucket takes to be full again: after that it is indistinguishable from a new one and
     * may be forgotten.
     */
    public static Duration timeToFull(Policy policy) {
        Duration longest = Duration.ZERO;
        if (policy.rate() != null) {
            long nanos = (long) Math.ceil((double) policy.rate().burst() / policy.rate().limit()
                    * policy.rate().period().toNanos());
            longest = Duration.ofNanos(nanos);
        }
        if (policy.quota() != null && policy.quota().period().compareTo(longest) > 0) {
            longest = policy.quota().period();
        }
        return longest;
    }

    /**
     * One band's figures after an operation.
     *
     * @param id           {@link #RATE} or {@link #QUOTA} (a band without an id counts as {@link #RATE})
     * @param remaining    tokens left in the band, at least 0
     * @param nanosToReset until the band is full again
     */
    public record Band(String id, long remaining, long nanosToReset) { }

    /**
     * The band closest to exhaustion after {@code result}'s operation: the one with the fewest tokens left, on a tie
     * the one that is full again last (draft-ietf-httpapi-ratelimit-headers: a client reading one band learns the
     * tighter one). {@code held} tokens taken from the bucket but not yet handed out (a cluster node's lead) count as
     * left in every band.
     */
    public static Band closestBand(VerboseResult<?> result, long held) {
        BucketState state = result.getState();
        Bandwidth[] bands = result.getConfiguration().getBandwidths();
        long now = result.getOperationTimeNanos();
        int closest = 0;
        long closestReset = -1;
        for (int i = 1; i < bands.length; i++) {
            long size = state.getCurrentSize(i);
            long least = state.getCurrentSize(closest);
            if (size < least) {
                closest = i;
                closestReset = -1;
            } else if (size == least) {
                if (closestReset < 0) {
                    closestReset = nanosToFull(state, bands, closest, now);
                }
                long reset = nanosToFull(state, bands, i, now);
                if (reset > closestReset) {
                    closest = i;
                    closestReset = reset;
                }
            }
        }
        if (closestReset < 0) {
            closestReset = bands.length == 1 ? state.calculateFullRefillingTime(now)
                    : nanosToFull(state, bands, closest, now);
        }
        String id = QUOTA.equals(bands[closest].getId()) ? QUOTA : RATE;
        return new Band(id, Math.max(0, state.getCurrentSize(closest) + held), closestReset);
    }

    /**
     * How long band {@code i} of {@code state} takes to be full: for a greedy band, its missing tokens at its refill
     * rate (a partial token counts as missing); otherwise from a copy of the state that keeps that band alone.
     */
    private static long nanosToFull(BucketState state, Bandwidth[] bands, int i, long now) {
        Bandwidth band = bands[i];
        if (!band.isRefillIntervally()) {
            long missing = band.getCapacity() - state.getCurrentSize(i);
            if (missing <= 0) {
                return 0;
            }
            double nanos = Math.ceil((double) missing * band.getRefillPeriodNanos() / band.getRefillTokens());
            return nanos >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) nanos;
        }
        BucketState alone = state.copy().replaceConfiguration(BucketConfiguration.builder().addLimit(band).build(),
                TokensInheritanceStrategy.AS_IS, now);
        return alone.calculateFullRefillingTime(now);
    }
}
