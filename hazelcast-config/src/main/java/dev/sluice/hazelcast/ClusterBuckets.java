package dev.sluice.hazelcast;

import dev.sluice.core.Reason;
import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.BucketConfigurations;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.core.time.Scheduler;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.RemoteAsyncBucketBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One policy's buckets in the cluster: Bucket4j's entry-processor proxy manager over IMap
 * {@value HazelcastBackend#BUCKETS}, asynchronous, one bucket per key ({@code policy U+001F key}) with bands
 * {@code rate} and {@code quota} ({@link BucketConfigurations}).
 *
 * <p><b>Live changes.</b> Every bucket is built with implicit configuration replacement at the version of the
 * policy definition (the policy store's revision), keeping tokens {@link TokensInheritanceStrategy#AS_IS}: the
 * first access after a change, from any node, moves the bucket to the new configuration; a node that has not yet
 * heard of the change (older version) cannot move it back. Bands are matched by id, so adding or removing the
 * quota keeps the rate band's tokens.
 *
 * <p><b>The queue is the bucket's deficit.</b> A request the bucket refuses reserves its tokens
 * ({@code consumeIgnoringRateLimits}: the bucket goes negative by what is reserved) and completes when they are
 * due, so queued requests leave exactly at the configured rate across the whole cluster, with no polling. The wait
 * Bucket4j answers is the request's real position in the cluster-wide line, so both limits are checked against it:
 * a wait above the request's max-wait is refused with the limiting band's reason, and a wait above
 * {@code depth} requests' worth of refill ({@code depth * cost * period / limit}) is refused with
 * {@code queue-full}; either refusal gives the reservation back at once and answers that wait as its
 * Retry-After. Between the reservation and its return other requests see the deficit, so a refusal can make others
 * wait or be refused slightly early, never admit more than the rate. A waiter whose request is cancelled gives its
 * tokens back. Waiters live on the node they arrived at: {@link #reset} and {@link #admitAll} reach this node's,
 * waiters on other nodes complete when their tokens are due.
 *
 * <p>Thread-safe; never blocks.
 */
final class ClusterBuckets {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterBuckets.class);

    private final AsyncProxyManager<String> buckets;
    private final ClusterCalls calls;
    private final Scheduler scheduler;
    private final String prefix;
    private final Map<String, Set<Waiter>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong queued = new AtomicLong();
    private volatile Config config;

    /** The definition in force, with what is derived from it. */
    private record Config(Policy policy, BucketConfiguration bucket, int quotaBand,
            RemoteAsyncBucketBuilder<String> builder) {
    }

    ClusterBuckets(Policy policy, long version, AsyncProxyManager<String> buckets, ClusterCalls calls,
            Scheduler scheduler, String prefix) {
        this.buckets = buckets;
        this.calls = calls;
        this.scheduler = scheduler;
        this.prefix = prefix;
        this.config = configOf(policy, version);
    }

    private Config configOf(Policy policy, long version) {
        return new Config(policy, BucketConfigurations.of(policy), BucketConfigurations.quotaBand(policy),
                buckets.builder().withImplicitConfigurationReplacement(version, TokensInheritanceStrategy.AS_IS));
    }

    /**
     * Applies a new definition: buckets move to it on their next access; this node's waiters beyond a lowered
     * depth (counted in refill time from now) are refused with {@code queue-full} and give their tokens back.
     */
    void reconfigure(Policy next, long version) {
        Config current = configOf(next, version);
        config = current;
        long now = scheduler.ticker().nanos();
        for (Set<Waiter> keyWaiters : waiting.values()) {
            for (Waiter waiter : keyWaiters) {
                long bound = current.policy().queue() == null ? 0
                        : depthBound(current.policy(), waiter.cost);
                if (waiter.due - now > bound && waiter.finish()) {
                    giveBack(waiter.bucket, waiter.cost);
                    waiter.caller.complete(RateOutcome.refused(Reason.QUEUE_FULL, 0, 0,
                            Math.max(1, waiter.due - now)).withWaited(now - waiter.start));
                }
            }
        }
    }

    private AsyncBucketProxy proxy(Config current, String key) {
        BucketConfiguration bucket = current.bucket();
        return current.builder().build(prefix + key, () -> CompletableFuture.completedFuture(bucket));
    }

    CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos) {
        Config current = config;
        if (current.bucket() == null) {
            // a live change removed the rate and quota while this request was on its way
            return CompletableFuture.completedFuture(RateOutcome.consumed(0, 0));
        }
        AsyncBucketProxy bucket = proxy(current, key);
        CompletableFuture<RateOutcome> result = new CompletableFuture<>();
        calls.bucket(() -> bucket.tryConsumeAndReturnRemaining(cost)).whenComplete((probe, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (probe.isConsumed()) {
                if (!result.complete(RateOutcome.consumed(probe.getRemainingTokens(),
                        probe.getNanosToWaitForReset()))) {
                    giveBack(bucket, cost);
                }
            } else if (current.policy().queue() == null || maxWaitNanos <= 0) {
                refuse(current, bucket, cost, probe.getNanosToWaitForRefill(), probe, result);
            } else {
                reserve(current, key, bucket, cost, maxWaitNanos, probe, result);
            }
        });
        return result;
    }

    /** How long {@code depth} requests of this cost take to refill: the longest wait the queue may hold. */
    private static long depthBound(Policy policy, long cost) {
        if (policy.rate() == null || policy.queue() == null) {
            return policy.queue() == null ? 0 : Long.MAX_VALUE;
        }
        double nanos = (double) policy.queue().depth() * cost * policy.rate().period().toNanos()
                / policy.rate().limit();
        return nanos >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) nanos;
    }

    private void reserve(Config current, String key, AsyncBucketProxy bucket, long cost, long maxWaitNanos,
            ConsumptionProbe probe, CompletableFuture<RateOutcome> result) {
        if (result.isDone()) {
            return;
        }
        long depthBound = depthBound(current.policy(), cost);
        calls.bucket(() -> bucket.consumeIgnoringRateLimits(cost)).whenComplete((wait, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (wait == Long.MAX_VALUE) {
                // nothing was reserved: more than the bucket can ever hold
                refuse(current, bucket, cost, probe.getNanosToWaitForRefill(), probe, result);
            } else if (wait > maxWaitNanos) {
                giveBack(bucket, cost);
                refuse(current, bucket, cost, wait, probe, result);
            } else if (wait > depthBound) {
                giveBack(bucket, cost);
                result.complete(RateOutcome.refused(Reason.QUEUE_FULL, 0, probe.getNanosToWaitForReset(),
                        Math.max(1, wait - depthBound)));
            } else {
                waitFor(key, bucket, cost, wait, result);
            }
        });
    }

    /** Refuses with the band that cannot give {@code cost} now: the quota, else the rate. */
    private void refuse(Config current, AsyncBucketProxy bucket, long cost, long retryNanos, ConsumptionProbe probe,
            CompletableFuture<RateOutcome> result) {
        long retry = Math.max(1, retryNanos);
        if (current.quotaBand() < 0) {
            result.complete(RateOutcome.refused(Reason.RATE, 0, probe.getNanosToWaitForReset(), retry));
            return;
        }
        calls.bucket(() -> bucket.asVerbose().getAvailableTokens()).whenComplete((tokens, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            boolean quota = tokens.getState().getCurrentSize(current.quotaBand()) < cost;
            result.complete(RateOutcome.refused(quota ? Reason.QUOTA : Reason.RATE, 0,
                    probe.getNanosToWaitForReset(), retry));
        });
    }

    /** Waits for reserved tokens on this node; a cancelled caller leaves the wait and gives the tokens back. */
    private void waitFor(String key, AsyncBucketProxy bucket, long cost, long wait,
            CompletableFuture<RateOutcome> caller) {
        long start = scheduler.ticker().nanos();
        Waiter waiter = new Waiter(key, bucket, cost, start, start + wait, caller);
        waiting.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(waiter);
        queued.incrementAndGet();
        waiter.timer = scheduler.schedule(() -> {
            if (waiter.finish() && !caller.complete(RateOutcome.consumed(0, 0)
                    .withWaited(scheduler.ticker().nanos() - start))) {
                giveBack(bucket, cost);
            }
        }, wait);
        caller.whenComplete((outcome, failure) -> {
            if (caller.isCancelled() && waiter.finish()) {
                giveBack(bucket, cost);
            }
        });
    }

    private void giveBack(AsyncBucketProxy bucket, long cost) {
        calls.bucket(() -> bucket.addTokens(cost)).whenComplete((done, failure) -> {
            if (failure != null) {
                LOG.debug("Could not give {} token(s) back to {} ({})", cost, prefix, failure.toString());
            }
        });
    }

    long queuedHere(String key) {
        Set<Waiter> keyWaiters = waiting.get(key);
        return keyWaiters == null ? 0 : keyWaiters.size();
    }

    long queuedHere() {
        return queued.get();
    }

    long oldestWaiterNanos(long now) {
        long oldest = 0;
        for (Set<Waiter> keyWaiters : waiting.values()) {
            for (Waiter waiter : keyWaiters) {
                oldest = Math.max(oldest, now - waiter.start);
            }
        }
        return oldest;
    }

    /** Tokens left per band: {rate, quota, exists}; -1 for an absent band, exists 1 or 0. */
    CompletableFuture<long[]> tokens(String key) {
        Config current = config;
        Policy policy = current.policy();
        long rate = policy.rate() == null ? -1 : policy.rate().burst();
        long quota = policy.quota() == null ? -1 : policy.quota().limit();
        return calls.bucket(() -> buckets.getProxyConfiguration(prefix + key)).thenCompose(existing -> {
            if (existing.isEmpty() || current.bucket() == null) {
                return CompletableFuture.completedFuture(new long[] {rate, quota, existing.isPresent() ? 1 : 0});
            }
            return calls.bucket(() -> proxy(current, key).asVerbose().getAvailableTokens()).thenApply(tokens ->
                    new long[] {
                        policy.rate() == null ? -1 : Math.max(0, tokens.getState().getCurrentSize(0)),
                        current.quotaBand() < 0 ? -1
                                : Math.max(0, tokens.getState().getCurrentSize(current.quotaBand())),
                        1});
        });
    }

    /** Forgets the key's bucket; this node's waiters for it are refused. Completes with whether it existed. */
    CompletableFuture<Boolean> reset(String key) {
        boolean hadWaiters = false;
        for (Waiter waiter : drain(key)) {
            hadWaiters = true;
            waiter.caller.complete(RateOutcome.refused(Reason.RATE, 0, 0, 1));
        }
        boolean waitersRefused = hadWaiters;
        return calls.bucket(() -> buckets.getProxyConfiguration(prefix + key)).thenCompose(existing ->
                existing.isEmpty() ? CompletableFuture.completedFuture(waitersRefused)
                        : calls.bucket(() -> buckets.removeProxy(prefix + key)).thenApply(removed -> true));
    }

    /** Admits this node's waiters (the policy is gone). */
    void admitAll() {
        for (String key : new ArrayList<>(waiting.keySet())) {
            for (Waiter waiter : drain(key)) {
                waiter.caller.complete(RateOutcome.consumed(0, 0).withWaited(
                        scheduler.ticker().nanos() - waiter.start));
            }
        }
    }

    /** Refuses this node's waiters (the backend is closing); their tokens stay reserved until due. */
    void refuseAll() {
        for (String key : new ArrayList<>(waiting.keySet())) {
            for (Waiter waiter : drain(key)) {
                waiter.caller.complete(RateOutcome.refused(Reason.QUEUE_TIMEOUT, 0, 0, 1));
            }
        }
    }

    private List<Waiter> drain(String key) {
        List<Waiter> drained = new ArrayList<>();
        Set<Waiter> keyWaiters = waiting.get(key);
        if (keyWaiters != null) {
            for (Waiter waiter : keyWaiters) {
                if (waiter.finish()) {
                    drained.add(waiter);
                }
            }
        }
        return drained;
    }

    /** A request waiting on this node for reserved tokens; finished exactly once. */
    private final class Waiter {
        final String key;
        final AsyncBucketProxy bucket;
        final long cost;
        final long start;
        final long due;
        final CompletableFuture<RateOutcome> caller;
        private final AtomicBoolean finished = new AtomicBoolean();
        volatile Scheduler.Cancellable timer = Scheduler.Cancellable.NONE;

        Waiter(String key, AsyncBucketProxy bucket, long cost, long start, long due,
                CompletableFuture<RateOutcome> caller) {
            this.key = key;
            this.bucket = bucket;
            this.cost = cost;
            this.start = start;
            this.due = due;
            this.caller = caller;
        }

        /** Takes the waiter out of the line; true only for the first caller. */
        boolean finish() {
            if (!finished.compareAndSet(false, true)) {
                return false;
            }
            timer.cancel();
            queued.decrementAndGet();
            waiting.computeIfPresent(key, (k, keyWaiters) -> {
                keyWaiters.remove(this);
                return keyWaiters.isEmpty() ? null : keyWaiters;
            });
            return true;
        }
    }
}
