package dev.sluice.core.local;

import dev.sluice.core.Reason;
import dev.sluice.core.config.QueueLimit;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One key's bucket and its waiters. The waiters hold reservations in line order: first in first out, or, for a queue
 * with {@code fair-by}, in the fair order across flows ({@link WaitLine}). A fair newcomer that goes ahead of waiters
 * takes its tokens before theirs: they give their reservations back and take them again behind it, each due later
 * (one that then could not be served within its max-wait is refused at once, {@code queue-timeout}). The line and
 * configuration changes are guarded by the entry.
 */
final class KeyBucket {
    private final LocalBuckets owner;
    private final Bucket bucket;
    /** The line; made again, of the kind the queue now asks for, whenever it is empty. */
    WaitLine<Waiter> waiters = new WaitLine<>(false);
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

    /**
     * @param queue the policy's queue
     * @param flow  the request's flow in a fair queue ("" without a value); ignored by a FIFO queue
     */
    CompletableFuture<RateOutcome> enqueue(String key, long cost, long maxWaitNanos, QueueLimit queue, String flow,
            ConsumptionProbe firstProbe) {
        Waiter waiter = null;
        RateOutcome refusal = null;
        List<Waiter> late = new ArrayList<>();
        long now;
        synchronized (this) {
            if (waiters.isEmpty()) {
                VerboseResult<ConsumptionProbe> verbose = bucket.asVerbose().tryConsumeAndReturnRemaining(cost);
                if (verbose.getValue().isConsumed()) {
                    return CompletableFuture.completedFuture(
                            RateOutcome.consumed(BucketConfigurations.closestBand(verbose, 0)));
                }
                if (waiters.fair() != queue.fair()) {
                    waiters = new WaitLine<>(queue.fair());
                }
            }
            String line = flow == null ? "" : flow;
            if (waiters.size() >= queue.depth() || !waiters.flowHasRoom(line, queue)) {
                return CompletableFuture.completedFuture(RateOutcome.refused(Reason.QUEUE_FULL, 0,
                        firstProbe.getNanosToWaitForReset(), Math.max(1, firstProbe.getNanosToWaitForRefill())));
            }
            List<Waiter> behind = waiters.fair() ? waiters.behind(waiters.tagFor(line, cost, queue)) : List.of();
            giveBack(bucket, reserved(behind));
            long wait = bucket.consumeIgnoringRateLimits(cost);
            now = owner.scheduler.ticker().nanos();
            if (wait > maxWaitNanos) {
                if (wait != Long.MAX_VALUE) {
                    bucket.addTokens(cost);
                }
                refusal = owner.refusal(this, bucket, cost, firstProbe);
            } else {
                waiter = new Waiter(this, cost, line, now, now + maxWaitNanos, now + wait);
                waiters.add(waiter, queue);
                owner.waiting.add(this);
                owner.queued.incrementAndGet();
            }
            // those behind take their tokens again, after the newcomer's (refused: as they had them)
            reserveAgain(behind, bucket, now, late);
            if (waiters.isEmpty()) {
                owner.waiting.remove(this);
            }
        }
        owner.queued.addAndGet(-late.size());
        refuseLate(late, now);
        if (refusal != null) {
            return CompletableFuture.completedFuture(refusal);
        }
        return waitFor(waiter);
    }

    /** Starts the timer of a waiter that joined the line, unless a newcomer or a live change re-timed it since. */
    private CompletableFuture<RateOutcome> waitFor(Waiter waiter) {
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

    private static void giveBack(Bucket bucket, long tokens) {
        if (tokens > 0) {
            bucket.addTokens(tokens);
        }
    }

    private static long reserved(List<Waiter> line) {
        long reserved = 0;
        for (Waiter waiter : line) {
            reserved += waiter.cost;
        }
        return reserved;
    }

    /**
     * Takes the reservations of {@code line} (given back just before) again, in its order, from {@code bucket}:
     * each gets a new due time and timer; one that cannot be served by its deadline leaves the line into
     * {@code late}, its tokens given back. Guarded by this entry; the caller completes {@code late}.
     */
    private void reserveAgain(List<Waiter> line, Bucket bucket, long now, List<Waiter> late) {
        for (Waiter waiter : line) {
            waiter.generation++;
            waiter.timer.cancel();
            long wait = bucket.consumeIgnoringRateLimits(waiter.cost);
            if (wait > waiter.deadline - now) {
                if (wait != Long.MAX_VALUE) {
                    bucket.addTokens(waiter.cost);
                }
                waiter.dueAt = wait == Long.MAX_VALUE ? Long.MAX_VALUE : now + wait;
                waiters.remove(waiter);
                late.add(waiter);
                continue;
            }
            waiter.dueAt = now + wait;
            int generation = waiter.generation;
            waiter.timer = owner.scheduler.schedule(() -> waiter.due(generation), wait);
        }
    }

    /** Refuses waiters that can no longer be served within their max-wait, with when they could have been. */
    private static void refuseLate(List<Waiter> late, long now) {
        for (Waiter waiter : late) {
            long retry = waiter.dueAt == Long.MAX_VALUE ? 1 : Math.max(1, waiter.dueAt - now);
            waiter.future.complete(RateOutcome.refused(Reason.QUEUE_TIMEOUT, 0, 0, retry)
                    .withWaited(waiter.waitedNanos()));
        }
    }

    private long wait(Waiter waiter) {
        return Math.max(0, waiter.dueAt - owner.ticker.nanos());
    }

    boolean remove(Waiter waiter) {
        return remove(waiter, -1);
    }

    /**
     * Takes the waiter out of the line, only while its timer of {@code generation} is current (-1: any, the waiter
     * leaves without being served). A waiter whose timer fired is served: a fair line's virtual time moves on.
     */
    boolean remove(Waiter waiter, int generation) {
        synchronized (this) {
            if (generation >= 0 && waiter.generation != generation) {
                return false;
            }
            if (!(generation >= 0 ? waiters.served(waiter) : waiters.remove(waiter))) {
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
            List<Waiter> line = waiters.inOrder();
            Bucket bucket = current();
            giveBack(bucket, reserved(line));
            for (Waiter waiter : line.subList(Math.min(depth, line.size()), line.size())) {
                waiter.generation++;
                waiter.timer.cancel();
                waiters.remove(waiter);
                full.add(waiter);
            }
            reserveAgain(line.subList(0, Math.min(depth, line.size())), bucket, now, late);
            if (waiters.isEmpty()) {
                owner.waiting.remove(this);
            }
        }
        owner.queued.addAndGet(-(full.size() + late.size()));
        for (Waiter waiter : full) {
            waiter.future.complete(RateOutcome.refused(Reason.QUEUE_FULL, 0, 0, 1)
                    .withWaited(waiter.waitedNanos()));
        }
        refuseLate(late, now);
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
            all = waiters.drain();
            owner.waiting.remove(this);
        }
        owner.queued.addAndGet(-all.size());
        return all;
    }

    /** A request waiting for reserved tokens. Its due time and timer generation are guarded by its entry. */
    static final class Waiter extends WaitLine.Place {
        final KeyBucket entry;
        final long cost;
        final long enqueuedAt;
        final long deadline;
        volatile long dueAt;
        int generation;
        final CompletableFuture<RateOutcome> future = new CompletableFuture<>();
        volatile Scheduler.Cancellable timer = Scheduler.Cancellable.NONE;

        Waiter(KeyBucket entry, long cost, String flow, long enqueuedAt, long deadline, long dueAt) {
            super(cost, flow);
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
