package dev.sluice.core.local;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.core.Reason;
import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.BucketConfigurations;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.Ticker;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.local.LocalBucketBuilder;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The token buckets of one policy on this node, with their queues.
 *
 * <p>The common case is one lock-free Bucket4j call. A request that finds no tokens and may wait reserves them
 * ({@link Bucket#consumeIgnoringRateLimits}: the bucket goes negative by what is reserved) under the key's lock and
 * completes when the tokens are due, so queued requests are released exactly at the configured rate with no
 * polling. A waiter that is cancelled gives its tokens back.
 */
final class LocalBuckets {
    private static final Duration MIN_IDLE = Duration.ofSeconds(1);
    /**
     * How often a hot key's access reaches the cache's bookkeeping: reads in between look the bucket up quietly. Idle
     * expiry waits this much longer, so a bucket is still forgotten only once it would be full again.
     */
    static final long RECORD_EVERY_NANOS = Duration.ofMillis(100).toNanos();

    final Scheduler scheduler;
    final Ticker ticker;
    final TimeMeter timeMeter;
    private final Cache<String, KeyBucket> entries;
    private final com.github.benmanes.caffeine.cache.Policy<String, KeyBucket> quietly;
    private final Function<String, KeyBucket> creator = key -> new KeyBucket(this);
    final Set<KeyBucket> waiting = ConcurrentHashMap.newKeySet();
    final AtomicLong queued = new AtomicLong();

    private volatile Policy policy;
    volatile BucketConfiguration configuration;
    private volatile int quotaBand;

    LocalBuckets(Policy policy, Scheduler scheduler, long maxKeys) {
        this.scheduler = scheduler;
        this.ticker = scheduler.ticker();
        this.timeMeter = new TickerTimeMeter(ticker);
        this.entries = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .expireAfterAccess(idleTime(policy))
                .ticker(ticker::nanos)
                .build();
        this.quietly = entries.policy();
        apply(policy);
    }

    private void apply(Policy next) {
        this.configuration = BucketConfigurations.of(next);
        this.quotaBand = BucketConfigurations.quotaBand(next);
        this.policy = next;
    }

    private static Duration idleTime(Policy policy) {
        Duration idle = BucketConfigurations.timeToFull(policy);
        if (policy.queue() != null) {
            idle = idle.plus(policy.queue().maxWait());
        }
        return idle.plus(MIN_IDLE).plusNanos(RECORD_EVERY_NANOS);
    }

    /** @param flow the request's flow in a fair queue, or null */
    CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos, String flow) {
        if (configuration == null) {
            // a live change removed the rate and quota while this request was on its way
            return CompletableFuture.completedFuture(RateOutcome.consumed(0, 0));
        }
        KeyBucket entry = entry(key);
        Bucket bucket = entry.current();
        VerboseResult<ConsumptionProbe> verbose = bucket.asVerbose().tryConsumeAndReturnRemaining(cost);
        ConsumptionProbe probe = verbose.getValue();
        if (probe.isConsumed()) {
            return CompletableFuture.completedFuture(
                    RateOutcome.consumed(BucketConfigurations.closestBand(verbose, 0)));
        }
        Policy current = policy;
        if (current.queue() == null || maxWaitNanos <= 0) {
            return CompletableFuture.completedFuture(refusal(entry, bucket, cost, probe));
        }
        return entry.enqueue(key, cost, maxWaitNanos, current.queue(), flow, probe);
    }

    /**
     * The key's entry, made if absent. A key whose access was recorded less than {@link #RECORD_EVERY_NANOS} ago is
     * looked up without Caffeine's access bookkeeping (read buffer, access order, frequency sketch), which costs
     * more than the rest of the lookup on a hot key; the next access after that records it again.
     */
    private KeyBucket entry(String key) {
        KeyBucket entry = quietly.getIfPresentQuietly(key);
        if (entry != null) {
            long now = ticker.nanos();
            if (now - entry.recordedAt < RECORD_EVERY_NANOS) {
                return entry;
            }
            entry.recordedAt = now;
        }
        return entries.get(key, creator);
    }

    RateOutcome refusal(KeyBucket entry, Bucket bucket, long cost, ConsumptionProbe probe) {
        return RateOutcome.refused(limitingBand(bucket, cost), 0, probe.getNanosToWaitForReset(),
                Math.max(1, probe.getNanosToWaitForRefill()));
    }

    /** Which band refused: the quota when it cannot give {@code cost} now, else the rate. */
    private Reason limitingBand(Bucket bucket, long cost) {
        int band = quotaBand;
        if (band < 0) {
            return Reason.RATE;
        }
        BucketState state = bucket.asVerbose().getAvailableTokens().getState();
        return state.getCurrentSize(band) < cost ? Reason.QUOTA : Reason.RATE;
    }

    /** Tokens left per band for the management API: {rate, quota}, -1 for an absent band. */
    long[] tokens(String key) {
        Policy current = policy;
        KeyBucket entry = entries.getIfPresent(key);
        long rate = current.rate() == null ? -1 : current.rate().burst();
        long quota = current.quota() == null ? -1 : current.quota().limit();
        if (entry != null) {
            BucketState state = entry.current().asVerbose().getAvailableTokens().getState();
            if (current.rate() != null) {
                rate = Math.max(0, state.getCurrentSize(0));
            }
            if (quotaBand >= 0) {
                quota = Math.max(0, state.getCurrentSize(quotaBand));
            }
        }
        return new long[] {rate, quota};
    }

    boolean exists(String key) {
        return entries.getIfPresent(key) != null;
    }

    int queued(String key) {
        KeyBucket entry = entries.getIfPresent(key);
        if (entry == null) {
            return 0;
        }
        synchronized (entry) {
            return entry.waiters.size();
        }
    }

    long queued() {
        return queued.get();
    }

    Set<String> keys() { // a live view, once the expired buckets are gone
        entries.cleanUp();
        return entries.asMap().keySet();
    }

    long oldestWaiterNanos(long now) {
        long oldest = 0;
        for (KeyBucket entry : waiting) {
            synchronized (entry) {
                KeyBucket.Waiter head = entry.waiters.oldest();
                if (head != null) {
                    oldest = Math.max(oldest, now - head.enqueuedAt);
                }
            }
        }
        return oldest;
    }

    /**
     * Applies a new definition: every bucket switches now (time before the change refills at the old rate, time
     * after it at the new), keeping its tokens as far as the new capacity allows. A bucket touched concurrently
     * switches on that access instead. Waiting requests follow the change: each key gives its waiters' reservations
     * back and takes them again in line order under the new configuration, so a faster rate releases them sooner, a
     * slower one later, and nothing is admitted beyond what the new configuration allows from now on. A waiter the
     * new configuration cannot serve within its max-wait is refused now ({@code queue-timeout}); waiters beyond a
     * lowered depth are refused with {@code queue-full}. Without a rate or quota any more, waiters are admitted.
     */
    void reconfigure(Policy next) {
        apply(next);
        entries.policy().expireAfterAccess().ifPresent(expiry -> expiry.setExpiresAfter(idleTime(next)));
        if (configuration != null) {
            for (KeyBucket entry : entries.asMap().values()) {
                entry.current();
            }
        }
        int depth = next.queue() == null ? 0 : next.queue().depth();
        for (KeyBucket entry : waiting) {
            if (configuration == null) {
                entry.admitAll();
            } else {
                entry.rebalance(depth);
            }
        }
    }

    boolean reset(String key) {
        KeyBucket entry = entries.asMap().remove(key);
        if (entry == null) {
            return false;
        }
        entry.refuseAll(Reason.RATE);
        return true;
    }

    /** Admits every waiter (the policy is gone) and forgets all buckets. */
    void admitAll() {
        for (KeyBucket entry : waiting) {
            entry.admitAll();
        }
        entries.invalidateAll();
    }

    /** Refuses every waiter (the backend is closing) and forgets all buckets. */
    void refuseAll() {
        for (KeyBucket entry : waiting) {
            entry.refuseAll(Reason.QUEUE_TIMEOUT);
        }
        entries.invalidateAll();
    }
}
