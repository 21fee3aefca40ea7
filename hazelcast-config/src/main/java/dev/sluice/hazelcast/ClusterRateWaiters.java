package dev.sluice.hazelcast;

import dev.sluice.core.Reason;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.core.time.Scheduler;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;

/**
 * The requests waiting on this node for tokens they reserved in a cluster bucket (see {@link ClusterBuckets}), and
 * how they follow a live change.
 *
 * <p><b>Live changes.</b> {@link #rebalance} gives back, per key, the reservations of this node's waiters and takes
 * them again one by one in their order under the new configuration (the bucket moves to it on that first access),
 * so a faster rate releases them sooner and a slower one later. Each node does this for its own waiters when it
 * applies the change. Every reservation is a real place in the bucket's deficit at the moment it is taken, so
 * however the nodes' rebalances interleave, no more is admitted than the bucket allows from the change on; a
 * node's waiters may end up behind another node's that arrived after them (never ahead of what the bucket pays
 * for). Until a node applies the change, its waiters keep their old due times.
 *
 * <p>A waiter's state (generation of its timer, whether it holds a reservation) is guarded by the waiter, so a timer
 * of an earlier generation, a cancellation and a rebalance never admit it twice or give its tokens back twice.
 * Thread-safe; never blocks.
 */
final class ClusterRateWaiters {
    private final Scheduler scheduler;
    private final ClusterCalls calls;
    private final BiConsumer<AsyncBucketProxy, Long> giveBack;
    private final WaitersByKey<Waiter> waiting = new WaitersByKey<>(waiter -> waiter.start);

    ClusterRateWaiters(Scheduler scheduler, ClusterCalls calls, BiConsumer<AsyncBucketProxy, Long> giveBack) {
        this.scheduler = scheduler;
        this.calls = calls;
        this.giveBack = giveBack;
    }

    /** Waits for reserved tokens on this node; a cancelled caller leaves the wait and gives the tokens back. */
    void waitFor(String key, AsyncBucketProxy bucket, long cost, long wait, long maxWaitNanos,
            CompletableFuture<RateOutcome> caller) {
        long start = scheduler.ticker().nanos();
        Waiter waiter = new Waiter(key, bucket, cost, start, start + maxWaitNanos, caller);
        waiting.add(key, waiter);
        synchronized (waiter) {
            waiter.reserved = true;
            waiter.schedule(wait);
        }
        caller.whenComplete((outcome, failure) -> {
            if (caller.isCancelled()) {
                boolean holds;
                synchronized (waiter) {
                    holds = waiter.finish() && waiter.reserved;
                }
                if (holds) {
                    giveBack.accept(waiter.bucket, waiter.cost);
                }
            }
        });
    }

    /**
     * Takes this node's waiters' reservations again under the configuration of {@code proxies}, key by key (only
     * {@code onlyKey}'s when it is not null).
     * A waiter the new configuration cannot serve within its max-wait is refused with {@code queue-timeout}, one
     * beyond the queue's depth ({@code depthBound}: the longest wait the queue may hold, per cost) with
     * {@code queue-full}. Completes when every key is done.
     */
    CompletableFuture<Void> rebalance(String onlyKey, Function<String, AsyncBucketProxy> proxies,
            LongUnaryOperator depthBound) {
        List<CompletableFuture<Void>> keys = new ArrayList<>();
        for (Map.Entry<String, Set<Waiter>> entry : waiting.byKey(onlyKey)) {
            List<Waiter> line = new ArrayList<>(entry.getValue());
            line.sort(Comparator.comparingLong((Waiter waiter) -> waiter.due).thenComparingLong(waiter -> waiter.start));
            long refund = 0;
            List<Waiter> moving = new ArrayList<>();
            for (Waiter waiter : line) {
                synchronized (waiter) {
                    if (waiter.finished) {
                        continue;
                    }
                    waiter.generation++;
                    waiter.timer.cancel();
                    if (waiter.reserved) {
                        refund += waiter.cost;
                        waiter.reserved = false;
                    }
                }
                moving.add(waiter);
            }
            if (moving.isEmpty()) {
                continue;
            }
            AsyncBucketProxy bucket = proxies.apply(entry.getKey());
            long tokens = refund;
            CompletableFuture<Void> done = calls.bucket(() -> tokens > 0 ? bucket.addTokens(tokens)
                    : CompletableFuture.<Void>completedFuture(null));
            keys.add(done.thenCompose(given -> reserveAgain(moving.iterator(), bucket, depthBound))
                    .exceptionally(failure -> {
                        for (Waiter waiter : moving) {
                            if (waiter.finishUnreserved()) {
                                waiter.caller.completeExceptionally(failure);
                            }
                        }
                        return null;
                    }));
        }
        return CompletableFuture.allOf(keys.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> reserveAgain(Iterator<Waiter> line, AsyncBucketProxy bucket,
            LongUnaryOperator depthBound) {
        if (!line.hasNext()) {
            return CompletableFuture.completedFuture(null);
        }
        Waiter waiter = line.next();
        if (waiter.finished) {
            return reserveAgain(line, bucket, depthBound);
        }
        return calls.bucket(() -> bucket.consumeIgnoringRateLimits(waiter.cost), (late, lateFailure) -> {
            if (late != null && late != Long.MAX_VALUE) {
                giveBack.accept(bucket, waiter.cost);   // reserved after the waiter was failed without it
            }
        }).thenCompose(wait -> {
            placeAgain(waiter, bucket, wait, depthBound.applyAsLong(waiter.cost));
            return reserveAgain(line, bucket, depthBound);
        });
    }

    private void placeAgain(Waiter waiter, AsyncBucketProxy bucket, long wait, long depthBound) {
        long now = scheduler.ticker().nanos();
        boolean reservedNow = wait != Long.MAX_VALUE;
        RateOutcome refusal = null;
        boolean giveBackNow = false;
        synchronized (waiter) {
            waiter.bucket = bucket;
            if (waiter.finished) {
                giveBackNow = reservedNow;
            } else if (!reservedNow || wait > waiter.deadline - now) {
                giveBackNow = reservedNow;
                refusal = RateOutcome.refused(Reason.QUEUE_TIMEOUT, 0, 0,
                        reservedNow ? Math.max(1, wait - (waiter.deadline - now)) : 1);
                waiter.finish();
            } else if (wait > depthBound) {
                giveBackNow = true;
                refusal = RateOutcome.refused(Reason.QUEUE_FULL, 0, 0, Math.max(1, wait - depthBound));
                waiter.finish();
            } else {
                waiter.reserved = true;
                waiter.schedule(wait);
            }
        }
        if (giveBackNow) {
            giveBack.accept(bucket, waiter.cost);
        }
        if (refusal != null) {
            waiter.caller.complete(refusal.withWaited(now - waiter.start));
        }
    }

    /** This node's waiters, by key. */
    WaitersByKey<Waiter> waiting() {
        return waiting;
    }

    /** Takes the key's waiters out of the line; their reservations stay (the caller decides their outcome). */
    List<Waiter> drain(String key) {
        List<Waiter> drained = new ArrayList<>();
        for (Waiter waiter : waiting.of(key)) {
            synchronized (waiter) {
                if (waiter.finish()) {
                    drained.add(waiter);
                }
            }
        }
        return drained;
    }

    /** A request waiting on this node for reserved tokens; finished exactly once. Guarded by itself. */
    final class Waiter {
        final String key;
        final long cost;
        final long start;
        final long deadline;
        final CompletableFuture<RateOutcome> caller;
        volatile AsyncBucketProxy bucket;
        volatile long due;
        boolean finished;
        boolean reserved;
        int generation;
        Scheduler.Cancellable timer = Scheduler.Cancellable.NONE;

        Waiter(String key, AsyncBucketProxy bucket, long cost, long start, long deadline,
                CompletableFuture<RateOutcome> caller) {
            this.key = key;
            this.bucket = bucket;
            this.cost = cost;
            this.start = start;
            this.deadline = deadline;
            this.caller = caller;
            this.due = start;
        }

        /** Starts the timer of the current generation; called holding this waiter. */
        void schedule(long wait) {
            int mine = generation;
            due = scheduler.ticker().nanos() + wait;
            timer = scheduler.schedule(() -> due(mine), wait);
        }

        private void due(int timerGeneration) {
            synchronized (this) {
                if (timerGeneration != generation || !finish()) {
                    return;
                }
            }
            if (!caller.complete(RateOutcome.consumed(0, 0).withWaited(scheduler.ticker().nanos() - start))) {
                giveBack.accept(bucket, cost);
            }
        }

        /** Finishes a waiter whose reservation was given back; true only for the first caller. */
        synchronized boolean finishUnreserved() {
            return finish();
        }

        /** Takes the waiter out of the line; true only for the first caller. Called holding this waiter. */
        boolean finish() {
            if (finished) {
                return false;
            }
            finished = true;
            timer.cancel();
            waiting.remove(key, this);
            return true;
        }
    }
}
