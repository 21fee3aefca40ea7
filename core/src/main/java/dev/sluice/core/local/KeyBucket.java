package dev.sluice.core.local;

import dev.sluice.core.Reason;
import dev.sluice.core.spi.BucketConfigurations;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.core.time.Scheduler;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.local.LocalBucketBuilder;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One key's bucket and its waiters. The waiter deque and configuration changes are guarded by the entry. */
final class KeyBucket {
private final LocalBuckets owner;
    private final Bucket bucket;
    final ArrayDeque<Waiter> waiters = new ArrayDeque<>(0);
    private volatile BucketConfiguration applied;
    /** When an access to this entry last went through the cache's bookkeeping (ticker nanos). */
    volatile long recordedAt;

    KeyBucket(LocalBuckets owner) {
        this.owner = owner;
        this.recordedAt = owner.ticker.nanos();
        BucketConfiguration config = owner.configuration;
        LocalBucketBuilder builder = Bucket.builder().withCustomTimePrecision(owner.timeMeter)
                .withSynchronizationStrategy(SynchronizationStrategy.SYNCHRONIZED);
        for (Bandwidth band : config.getBandwidths()) {
            builder.addLimit(band);
        }
        this.bucket = builder.build();
        this.applied = config;
    }

    /** The bucket, first brought to the policy's current configuration if a live change happened. */
    Bucket current() {
        BucketConfiguration wanted = owner.configuration;
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
                return CompletableFuture.completedFuture(owner.refusal(this, bucket, cost, firstProbe));
            }
            long now = owner.scheduler.ticker().nanos();
            waiter = new Waiter(this, cost, now, now + maxWaitNanos, now + wait);
            waiters.addLast(waiter);
            if (waiters.size() == 1) {
                owner.waiting.add(this);
            }
            owner.queued.incrementAndGet();
        }
        synchronized (this) {
            if (waiter.generation == 0 && waiters.contains(waiter)) {
                waiter.timer = owner.scheduler.schedule(() -> waiter.due(0), wait(waiter));
            }
        }
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

    private long wait(Waiter waiter) {
        return Math.max(0, waiter.dueAt - owner.ticker.nanos());
    }

    boolean remove(Waiter waiter) {
        return remove(waiter, -1);
    }

    /** Takes the waiter out of the line, only while its timer of {@code generation} is current (-1: any). */
    boolean remove(Waiter waiter, int generation) {
        synchronized (this) {
            if (generation >= 0 && waiter.generation != generation || !waiters.remove(waiter)) {
                return false;
            }
            if (waiters.isEmpty()) {
                owner.waiting.remove(this);
            }
        }
        owner.queued.decrementAndGet();
        return true;
    }

    /** Takes this key's reservations again, in line order, under the configuration now in force. */
    void rebalance(int depth) {
        List<Waiter> full = new ArrayList<>();
        List<Waiter> late = new ArrayList<>();
        long now = owner.ticker.nanos();
        synchronized (this) {
            if (waiters.isEmpty()) {
                return;
            }
            long reserved = 0;
            for (Waiter waiter : waiters) {
                reserved += waiter.cost;
            }
            Bucket bucket = current();
            bucket.addTokens(reserved);
            int kept = 0;
            for (Iterator<Waiter> line = waiters.iterator(); line.hasNext(); ) {
                Waiter waiter = line.next();
                waiter.generation++;
                waiter.timer.cancel();
                if (kept >= depth) {
                    line.remove();
                    full.add(waiter);
                    continue;
                }
                long wait = bucket.consumeIgnoringRateLimits(waiter.cost);
                if (wait > waiter.deadline - now) {
                    if (wait != Long.MAX_VALUE) {
                        bucket.addTokens(waiter.cost);
                    }
                    waiter.dueAt = wait == Long.MAX_VALUE ? Long.MAX_VALUE : now + wait;
                    line.remove();
                    late.add(waiter);
                    continue;
                }
                kept++;
                waiter.dueAt = now + wait;
                int generation = waiter.generation;
                waiter.timer = owner.scheduler.schedule(() -> waiter.due(generation), wait);
            }
            if (waiters.isEmpty()) {
                owner.waiting.remove(this);
            }
        }
        owner.queued.addAndGet(-(full.size() + late.size()));
        for (Waiter waiter : full) {
            waiter.future.complete(RateOutcome.refused(Reason.QUEUE_FULL, 0, 0, 1)
                    .withWaited(waiter.waitedNanos()));
        }
        for (Waiter waiter : late) {
            long retry = waiter.dueAt == Long.MAX_VALUE ? 1 : Math.max(1, waiter.dueAt - now);
            waiter.future.complete(RateOutcome.refused(Reason.QUEUE_TIMEOUT, 0, 0, retry)
                    .withWaited(waiter.waitedNanos()));
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
            owner.waiting.remove(this);
        }
        owner.queued.addAndGet(-all.size());
        return all;
    }

    /** A request waiting for reserved tokens. Its due time and timer generation are guarded by its entry. */
    static final class Waiter {
        final KeyBucket entry;
        final long cost;
        final long enqueuedAt;
        final long deadline;
        volatile long dueAt;
        int generation;
        final CompletableFuture<RateOutcome> future = new CompletableFuture<>();
        volatile Scheduler.Cancellable timer = Scheduler.Cancellable.NONE;

        Waiter(KeyBucket entry, long cost, long enqueuedAt, long deadline, long dueAt) {
            this.entry = entry;
            this.cost = cost;
            this.enqueuedAt = enqueuedAt;
            this.deadline = deadline;
            this.dueAt = dueAt;
        }

        /** The timer of {@code generation} fired: admitted, unless a live change re-timed the waiter since. */
        void due(int generation) {
            if (entry.remove(this, generation)
                    && !future.complete(RateOutcome.consumed(0, 0).withWaited(waitedNanos()))) {
                entry.bucket.addTokens(cost);
            }
        }

        long waitedNanos() {
            return Math.max(0, entry.owner.scheduler.ticker().nanos() - enqueuedAt);
        }
    }
}
