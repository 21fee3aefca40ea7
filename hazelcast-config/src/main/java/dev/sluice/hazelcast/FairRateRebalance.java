package dev.sluice.hazelcast;

import dev.sluice.core.Reason;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.hazelcast.FairRateWaiters.Waiter;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;

/**
 * How the requests waiting on this node in fair rate lines follow a live change of their policy: each key's waiters
 * give their reservations back, reserve again under the new configuration in the order of their turns, and the
 * key's line moves their units to the new times ({@link RateLineOps.Reslot}). A faster rate thus releases the line
 * sooner and a slower one later. Each waiter then waits for its new turn, or is refused when it lies beyond its
 * max-wait ({@code queue-timeout}) or the queue's depth ({@code queue-full}). One run per live change, and one for a
 * key whose request joined its line under the configuration before it ({@link ClusterBuckets} runs them one at a
 * time); never blocks.
 */
final class FairRateRebalance {
    private final FairRateWaiters waiters;
    private final String onlyKey;
    private final Function<String, AsyncBucketProxy> proxies;
    private final LongUnaryOperator depthBound;

    /**
     * @param onlyKey    the one key whose waiters move, or null for every key's
     * @param proxies    each key's bucket under the new configuration
     * @param depthBound the queue's depth, in nanoseconds of waiting, for a request of a given cost
     */
    FairRateRebalance(FairRateWaiters waiters, String onlyKey, Function<String, AsyncBucketProxy> proxies,
            LongUnaryOperator depthBound) {
        this.waiters = waiters;
        this.onlyKey = onlyKey;
        this.proxies = proxies;
        this.depthBound = depthBound;
    }

    /**
     * Takes this node's waiters' reservations again under the configuration of {@code proxies}, key by key, and
     * moves their lines' units to match; each waiter then waits for its new turn, or is refused when it lies beyond
     * its max-wait ({@code queue-timeout}) or the queue's depth ({@code depthBound}, {@code queue-full}).
     */
    CompletableFuture<Void> run() {
        List<CompletableFuture<Void>> keys = new ArrayList<>();
        for (Map.Entry<String, Set<Waiter>> entry : waiters.waiting().byKey(onlyKey)) {
            List<Waiter> moving = new ArrayList<>();
            Map<Waiter, Integer> generations = new HashMap<>();
            long refund = 0;
            for (Waiter waiter : entry.getValue()) {
                long held = waiter.suspend();
                if (held >= 0) {
                    moving.add(waiter);
                    generations.put(waiter, waiter.generation());
                    refund += held;
                }
            }
            if (moving.isEmpty()) {
                continue;
            }
            moving.sort(Comparator.comparingLong((Waiter waiter) -> waiter.due).thenComparingLong(w -> w.start));
            AsyncBucketProxy bucket = proxies.apply(entry.getKey());
            long tokens = refund;
            Map<Waiter, Long> reserved = new ConcurrentHashMap<>();
            CompletableFuture<Void> done = waiters.calls.bucket(() -> tokens > 0 ? bucket.addTokens(tokens)
                            : CompletableFuture.<Void>completedFuture(null))
                    .thenCompose(given -> reserveAgain(moving.iterator(), bucket, reserved))
                    .thenCompose(all -> {
                        long[] ids = new long[moving.size()];
                        long[] dues = new long[moving.size()];
                        for (int i = 0; i < ids.length; i++) {
                            ids[i] = moving.get(i).id;
                            dues[i] = reserved.getOrDefault(moving.get(i), Long.MIN_VALUE);
                        }
                        return waiters.calls.onKey(waiters.lines, waiters.prefix + entry.getKey(),
                                new RateLineOps.Reslot(waiters.clock.nanos(), ids, dues));
                    })
                    .thenAccept(outcome -> {
                        for (int i = 0; i < moving.size(); i++) {
                            Waiter waiter = moving.get(i);
                            resume(waiter, generations.get(waiter), outcome.dues()[i]);
                        }
                    });
            keys.add(done.exceptionally(failure -> {
                for (Waiter waiter : moving) {
                    if (waiter.finish()) {
                        waiter.caller.completeExceptionally(failure);
                    }
                }
                return null;
            }));
        }
        return CompletableFuture.allOf(keys.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> reserveAgain(Iterator<Waiter> line, AsyncBucketProxy bucket,
            Map<Waiter, Long> reserved) {
        if (!line.hasNext()) {
            return CompletableFuture.completedFuture(null);
        }
        Waiter waiter = line.next();
        if (waiter.finished()) {
            return reserveAgain(line, bucket, reserved);
        }
        return waiters.calls.bucket(() -> bucket.consumeIgnoringRateLimits(waiter.cost), (late, lateFailure) -> {
            if (late != null && late != Long.MAX_VALUE) {
                waiters.giveBack.accept(bucket, waiter.cost);   // reserved after the waiter was failed without it
            }
        }).thenCompose(wait -> {
            if (wait == Long.MAX_VALUE) {
                // more than the bucket can ever hold under the new configuration
                if (waiter.finish()) {
                    waiters.leaveLine(waiter);
                    waiter.caller.complete(RateOutcome.refused(Reason.RATE, 0, 0, 1));
                }
            } else {
                long due = waiters.clock.nanos() + wait;
                reserved.put(waiter, due);
                if (!waiter.reserveAgain(bucket, due)) {
                    waiters.giveBack.accept(bucket, waiter.cost);   // it left meanwhile
                }
            }
            return reserveAgain(line, bucket, reserved);
        });
    }

    /**
     * A waiter's new turn after a live change. The line's answer may rest on units of another node that has not
     * applied the change yet, so a waiter is refused only on what its own new reservation says as well: beyond its
     * max-wait only when both are, beyond the queue's depth by its reservation (the bucket's whole deficit, as a
     * first-in-first-out waiter). Otherwise it asks the line again when the earlier of the two comes.
     */
    private void resume(Waiter waiter, int asOf, long due) {
        long now = waiters.clock.nanos();
        boolean lined = due != Long.MIN_VALUE;
        long turn = lined ? due : waiter.reservedDue;
        long depth = depthBound.applyAsLong(waiter.cost);
        if (Math.min(turn, waiter.reservedDue) > waiter.deadline) {
            waiters.refuse(waiter, Reason.QUEUE_TIMEOUT, Math.min(turn, waiter.reservedDue) - waiter.deadline);
        } else if (waiter.reservedDue - now > depth) {
            waiters.refuse(waiter, Reason.QUEUE_FULL, waiter.reservedDue - now - depth);
        } else {
            waiter.schedule(turn, asOf, !lined);
        }
    }
}
