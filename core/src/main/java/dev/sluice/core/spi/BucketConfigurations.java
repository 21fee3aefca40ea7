package dev.sluice.core.spi;

import dev.sluice.core.config.Policy;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConfigurationBuilder;
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
}
