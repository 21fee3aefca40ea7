package dev.sluice.hazelcast;

import dev.sluice.core.Reason;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.spi.RateOutcome;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * What becomes of a request its cluster bucket could not serve: refused, or queued in the bucket's deficit.
 *
 * <p><b>The queue is the bucket's deficit.</b> A request the bucket refuses reserves its tokens
 * ({@code consumeIgnoringRateLimits}: the bucket goes negative by what is reserved) and completes when they are
 * due ({@link ClusterRateWaiters}), so queued requests leave exactly at the configured rate across the whole
 * cluster, with no polling. The wait Bucket4j answers is the request's real position in the cluster-wide line, so
 * both limits are checked against it: a wait above the request's max-wait is refused with the limiting band's
 * reason, and a wait above {@code depth} requests' worth of refill ({@code depth * cost * period / limit}) is
 * refused with {@code queue-full}; either refusal gives the reservation back at once and answers that wait as its
 * Retry-After. A request whose wait, as the take that could not serve it left the bucket, already breaks either
 * limit is refused the same way without reserving; only one that looked as if it fitted reserves, and between its
 * reservation and its return other requests see the deficit, so such a refusal can make others wait or be refused
 * slightly early, never admit more than the rate. A waiter whose request is cancelled gives its tokens back.
 *
 * <p><b>Fair queues.</b> With {@code fair-by} the reservation is made the same way, but the request's turn is its
 * place in the key's fair line ({@link FairRateWaiters}), which may be long before its place in the deficit: the
 * max-wait is checked against the turn, after joining the line, while the depth is still checked against the
 * deficit (the whole queue's length).
 *
 * <p><b>Live changes.</b> A request reserves under the configuration its take was made with. A live change applied
 * between that take and the moment the request waits in its queue finds nothing of it to move, so once it waits,
 * {@code queued} is told under which policy it reserved and moves it if that is no longer the one in force.
 *
 * <p>Thread-safe; never blocks.
 */
final class DeficitQueue {
    private final ClusterCalls calls;
    private final ClusterRateWaiters waiters;
    private final FairRateWaiters fairWaiters;
    private final BiConsumer<AsyncBucketProxy, Long> giveBack;
    private final BiConsumer<Policy, String> queued;

    /**
     * @param queued told, once a request waits in its queue (where a live change reaches it), the policy it reserved
     *               under and its key
     */
    DeficitQueue(ClusterCalls calls, ClusterRateWaiters waiters, FairRateWaiters fairWaiters,
            BiConsumer<AsyncBucketProxy, Long> giveBack, BiConsumer<Policy, String> queued) {
        this.calls = calls;
        this.waiters = waiters;
        this.fairWaiters = fairWaiters;
        this.giveBack = giveBack;
        this.queued = queued;
    }

    /**
     * A request the cluster's bucket could not serve: refused, or queued when its policy has a queue. The take's
     * state gives the shortest wait the request could have (others may reserve meanwhile, never give it less): when
     * that alone is longer than the request may wait, or than the queue's depth, it is refused at once, without
     * reserving tokens that other requests would see missing until they are given back.
     *
     * @param quotaBand the bucket's quota band, or -1 when it has none
     */
    void notServed(Policy policy, int quotaBand, String key, AsyncBucketProxy bucket, TokenSlice.Pending pending,
            VerboseResult<Long> taken) {
        BucketState state = taken.getState();
        long wait = state.calculateDelayNanosAfterWillBePossibleToConsume(pending.cost, taken.getOperationTimeNanos(),
                false);
        long reset = taken.getDiagnostics().calculateFullRefillingTime();
        boolean quota = quotaBand >= 0 && state.getCurrentSize(quotaBand) < pending.cost;
        Reason limiting = quota ? Reason.QUOTA : Reason.RATE;
        long depthBound = depthBound(policy, pending.cost);
        Flow flow = flowOf(policy, pending.flow);
        // a fair waiter's turn may come long before its place in the deficit: only its line can tell
        if (policy.queue() == null || pending.maxWaitNanos <= 0 || (flow == null && wait > pending.maxWaitNanos)) {
            pending.result.complete(RateOutcome.refused(limiting, 0, reset, Math.max(1, wait)));
        } else if (wait > depthBound) {
            pending.result.complete(RateOutcome.refused(Reason.QUEUE_FULL, 0, reset, Math.max(1, wait - depthBound)));
        } else {
            reserve(policy, quotaBand, key, bucket, pending, flow, wait, reset);
        }
    }

    /** How long {@code depth} requests of this cost take to refill: the longest wait the queue may hold. */
    static long depthBound(Policy policy, long cost) {
        if (policy.rate() == null || policy.queue() == null) {
            return policy.queue() == null ? 0 : Long.MAX_VALUE;
        }
        double nanos = (double) policy.queue().depth() * cost * policy.rate().period().toNanos()
                / policy.rate().limit();
        return nanos >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) nanos;
    }

    /** The flow of a request in a fair queue, with its weight and depth; null for a FIFO queue. */
    private static Flow flowOf(Policy policy, String flow) {
        QueueLimit queue = policy.queue();
        return queue == null || !queue.fair() || flow == null ? null
                : new Flow(flow, queue.weightOf(flow), queue.flowDepth());
    }

    private void reserve(Policy policy, int quotaBand, String key, AsyncBucketProxy bucket,
            TokenSlice.Pending pending, Flow flow, long retryNanos, long resetNanos) {
        long cost = pending.cost;
        long maxWaitNanos = pending.maxWaitNanos;
        CompletableFuture<RateOutcome> result = pending.result;
        if (result.isDone()) {
            return;
        }
        long depthBound = depthBound(policy, cost);
        calls.bucket(() -> bucket.consumeIgnoringRateLimits(cost), (late, lateFailure) -> {
            if (late != null && late != Long.MAX_VALUE) {
                giveBack.accept(bucket, cost);   // reserved after the request was decided without it
            }
        }).whenComplete((wait, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (wait == Long.MAX_VALUE) {
                // nothing was reserved: more than the bucket can ever hold
                refuse(quotaBand, bucket, cost, retryNanos, resetNanos, result);
            } else if (flow == null && wait > maxWaitNanos) {
                giveBack.accept(bucket, cost);
                refuse(quotaBand, bucket, cost, wait, resetNanos, result);
            } else if (wait > depthBound) {
                giveBack.accept(bucket, cost);
                result.complete(RateOutcome.refused(Reason.QUEUE_FULL, 0, resetNanos,
                        Math.max(1, wait - depthBound)));
            } else if (flow != null) {
                fairWaiters.join(key, bucket, flow, cost, wait, maxWaitNanos, result, (turn, caller) ->
                        refuse(quotaBand, bucket, cost, turn, resetNanos, caller), () -> queued.accept(policy, key));
            } else {
                waiters.waitFor(key, bucket, cost, wait, maxWaitNanos, result);
                queued.accept(policy, key);
            }
        });
    }

    /** Refuses with the band that cannot give {@code cost} now: the quota, else the rate. */
    private void refuse(int quotaBand, AsyncBucketProxy bucket, long cost, long retryNanos, long resetNanos,
            CompletableFuture<RateOutcome> result) {
        long retry = Math.max(1, retryNanos);
        if (quotaBand < 0) {
            result.complete(RateOutcome.refused(Reason.RATE, 0, resetNanos, retry));
            return;
        }
        calls.bucket(() -> bucket.asVerbose().getAvailableTokens()).whenComplete((tokens, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            boolean quota = tokens.getState().getCurrentSize(quotaBand) < cost;
            result.complete(RateOutcome.refused(quota ? Reason.QUOTA : Reason.RATE, 0, resetNanos, retry));
        });
    }
}
