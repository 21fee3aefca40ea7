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

    private final Scheduler scheduler;
    private final Ticker ticker;
    private final TimeMeter timeMeter;
    private final Cache<String, Entry> entries;
    private final com.github.benmanes.caffeine.cache.Policy<String, Entry> quietly;
    private final Function<String, Entry> creator = key -> new Entry();
    private final Set<Entry> waiting = ConcurrentHashMap.newKeySet();
    private final AtomicLong queued = new AtomicLong();

    private volatile Policy policy;
    private volatile BucketConfiguration configuration;
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

    CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos) {
        if (configuration == null) {
            // a live change removed the rate and quota while this request was on its way
            return CompletableFuture.completedFuture(RateOutcome.consumed(0, 0));
        }
        Entry entry = entry(key);
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
        return entry.enqueue(key, cost, maxWaitNanos, current.queue().depth(), probe);
    }

    /**
     * The key's entry, made if absent. A key whose access was recorded less than {@link #RECORD_EVERY_NANOS} ago is
     * looked up without Caffeine's access bookkeeping (read buffer, access order, frequency sketch), which costs
     * more than the rest of the lookup on a hot key; the next access after that records it again.
     */
    private Entry entry(String key) {
        Entry entry = quietly.getIfPresentQuietly(key);
        if (entry != null) {
            long now = ticker.nanos();
            if (now - entry.recordedAt < RECORD_EVERY_NANOS) {
                return entry;
            }
            entry.recordedAt = now;
        }
        return entries.get(key, creator);
    }

    private RateOutcome refusal(Entry entry, Bucket bucket, long cost, ConsumptionProbe probe) {
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
        Entry entry = entries.getIfPresent(key);
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
        Entry entry = entries.getIfPresent(key);
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
        for (Entry entry : waiting) {
            synchronized (entry) {
                Waiter head = entry.waiters.peekFirst();
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
     * switches on that access instead.
     */
    void reconfigure(Policy next) {
        apply(next);
        entries.policy().expireAfterAccess().ifPresent(expiry -> expiry.setExpiresAfter(idleTime(next)));
        if (configuration != null) {
            for (Entry entry : entries.asMap().values()) {
                entry.current();
            }
        }
        int depth = next.queue() == null ? 0 : next.queue().depth();
        for (Entry entry : waiting) {
            entry.trimTo(depth);
        }
    }

    boolean reset(String key) {
        Entry entry = entries.asMap().remove(key);
        if (entry == null) {
            return false;
        }
        entry.refuseAll(Reason.RATE);
        return true;
    }

    /** Admits every waiter (the policy is gone) and forgets all buckets. */
    void admitAll() {
        for (Entry entry : waiting) {
            entry.admitAll();
        }
        entries.invalidateAll();
    }

    /** Refuses every waiter (the backend is closing) and forgets all buckets. */
    void refuseAll() {
        for (Entry entry : waiting) {
            entry.refuseAll(Reason.QUEUE_TIMEOUT);
        }
        entries.invalidateAll();
    }

    /** One key's bucket and its waiters. The waiter deque and configuration changes are guarded by the entry. */
    private final class Entry {
        private final Bucket bucket;
        private final ArrayDeque<Waiter> waiters = new ArrayDeque<>(0);
        private volatile BucketConfiguration applied;
        /** When an access to this entry last went through the cache's bookkeeping (ticker nanos). */
        volatile long recordedAt = ticker.nanos();

        Entry() {
            BucketConfiguration config = configuration;
            LocalBucketBuilder builder = Bucket.builder().withCustomTimePrecision(timeMeter)
                    .withSynchronizationStrategy(SynchronizationStrategy.SYNCHRONIZED);
            for (Bandwidth band : config.getBandwidths()) {
                builder.addLimit(band);
            }
            this.bucket = builder.build();
            this.applied = config;
        }

        /** The bucket, first brought to the policy's current configuration if a live change happened. */
        Bucket current() {
            BucketConfiguration wanted = configuration;
            if (applied != wanted && wanted != null) {
                synchronized (this) {
                    if (applied != wanted) {
                        bucket.replaceConfiguration(wanted, TokensInheritanceStrategy.AS_IS);
                        applied = wanted;
                    }
                }
            }
            return bucket;
        }

        CompletableFuture<RateOutcome> enqueue(String key, long cost, long maxWaitNanos, int depth,
                ConsumptionProbe firstProbe) {
            Waiter waiter;
            synchronized (this) {
                if (waiters.isEmpty()) {
                    VerboseResult<ConsumptionProbe> verbose = bucket.asVerbose().tryConsumeAndReturnRemaining(cost);
                    if (verbose.getValue().isConsumed()) {
                        return CompletableFuture.completedFuture(
                                RateOutcome.consumed(BucketConfigurations.closestBand(verbose, 0)));
                    }
                }
                if (waiters.size() >= depth) {
                    return CompletableFuture.completedFuture(RateOutcome.refused(Reason.QUEUE_FULL, 0,
                            firstProbe.getNanosToWaitForReset(), Math.max(1, firstProbe.getNanosToWaitForRefill())));
                }
                long wait = bucket.consumeIgnoringRateLimits(cost);
                if (wait > maxWaitNanos) {
                    if (wait != Long.MAX_VALUE) {
                        bucket.addTokens(cost);
                    }
                    return CompletableFuture.completedFuture(refusal(this, bucket, cost, firstProbe));
                }
                waiter = new Waiter(this, cost, scheduler.ticker().nanos(), wait);
                waiters.addLast(waiter);
                if (waiters.size() == 1) {
                    waiting.add(this);
                }
                queued.incrementAndGet();
            }
            waiter.timer = scheduler.schedule(waiter::due, waiter.wait);
            waiter.future.whenComplete((outcome, failure) -> {
                if (waiter.future.isCancelled()) {
                    waiter.timer.cancel();
                    if (remove(waiter)) {
                        bucket.addTokens(waiter.cost);
                    }
                }
            });
            return waiter.future;
        }

        boolean remove(Waiter waiter) {
            synchronized (this) {
                if (!waiters.remove(waiter)) {
                    return false;
                }
                if (waiters.isEmpty()) {
                    waiting.remove(this);
                }
            }
            queued.decrementAndGet();
            return true;
        }

        void trimTo(int depth) {
            List<Waiter> excess = new ArrayList<>();
            synchronized (this) {
                while (waiters.size() > depth) {
                    excess.add(waiters.pollLast());
                }
                if (waiters.isEmpty()) {
                    waiting.remove(this);
                }
            }
            queued.addAndGet(-excess.size());
            for (Waiter waiter : excess) {
                waiter.timer.cancel();
                bucket.addTokens(waiter.cost);
                waiter.future.complete(RateOutcome.refused(Reason.QUEUE_FULL, 0, 0, waiter.remainingNanos()));
            }
        }

        void admitAll() {
            for (Waiter waiter : drain()) {
                waiter.timer.cancel();
                waiter.future.complete(RateOutcome.consumed(0, 0).withWaited(waiter.waitedNanos()));
            }
        }

        void refuseAll(Reason reason) {
            for (Waiter waiter : drain()) {
                waiter.timer.cancel();
                waiter.future.complete(RateOutcome.refused(reason, 0, 0, 1));
            }
        }

        private List<Waiter> drain() {
            List<Waiter> all;
            synchronized (this) {
                all = new ArrayList<>(waiters);
                waiters.clear();
                waiting.remove(this);
            }
            queued.addAndGet(-all.size());
            return all;
        }
    }

    /** A request waiting for reserved tokens. */
    private final class Waiter {
        final Entry entry;
        final long cost;
        final long enqueuedAt;
        final long wait;
        final CompletableFuture<RateOutcome> future = new CompletableFuture<>();
        volatile Scheduler.Cancellable timer = Scheduler.Cancellable.NONE;

        Waiter(Entry entry, long cost, long enqueuedAt, long wait) {
            this.entry = entry;
            this.cost = cost;
            this.enqueuedAt = enqueuedAt;
            this.wait = wait;
        }

        void due() {
            if (entry.remove(this)
                    && !future.complete(RateOutcome.consumed(0, 0).withWaited(waitedNanos()))) {
                entry.bucket.addTokens(cost);
            }
        }

        long waitedNanos() {
            return Math.max(0, scheduler.ticker().nanos() - enqueuedAt);
        }

        long remainingNanos() {
            return Math.max(1, wait - waitedNanos());
        }
    }
}
