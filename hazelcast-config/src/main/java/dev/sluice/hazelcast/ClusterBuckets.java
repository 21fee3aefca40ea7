package dev.sluice.hazelcast;

import com.hazelcast.map.IMap;
import dev.sluice.core.Reason;
import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.BucketConfigurations;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.Ticker;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.RemoteAsyncBucketBuilder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One policy's buckets in the cluster: Bucket4j's entry-processor proxy manager over IMap
 * {@value MapNames#BUCKETS}, asynchronous, one bucket per key ({@code policy U+001F key}) with bands
 * {@code rate} and {@code quota} ({@link BucketConfigurations}).
 *
 * <p><b>Live changes.</b> Every bucket is built with implicit configuration replacement at the version of the
 * policy definition (the policy store's revision), keeping tokens {@link TokensInheritanceStrategy#AS_IS}: the
 * first access after a change, from any node, moves the bucket to the new configuration; a node that has not yet
 * heard of the change (older version) cannot move it back. Bands are matched by id, so adding or removing the
 * quota keeps the rate band's tokens.
 *
 * <p><b>Queue.</b> A request the bucket cannot serve is refused, or queued in the bucket's deficit
 * ({@link DeficitQueue}): first in first out ({@link ClusterRateWaiters}), or, with {@code fair-by}, in the key's fair
 * line in the cluster ({@link FairRateWaiters}, {@link RateLine}). Waiters live on the node they arrived at:
 * {@link #reset} and {@link #admitAll} reach this node's, waiters on other nodes complete when their turns come.
 *
 * <p><b>Slices.</b> A node does not ask the cluster for every request. Each take from the bucket
 * ({@code tryConsumeAsMuchAsPossible}) asks for what the requests waiting on this node need plus a <em>lead</em>:
 * about {@value TokenSlice#LEAD_MILLIS} ms of the rate this node has been admitting for the key, at most
 * {@link #sliceCap} ({@value #LEAD_SHARE} of the policy's capacity plus a second's refill). The following requests
 * are served from the lead without a cluster call; requests arriving while a take is in flight join the next one,
 * so a busy key costs one cluster call per round trip, not per request. Every token given out was consumed from the
 * cluster bucket first, so slices can never admit more than the bucket; what they can cost is a refusal on one node
 * while another holds a lead, bounded by the leads, and tokens idle for {@value TokenSlice#IDLE_MILLIS} ms go back
 * to the bucket. See {@link TokenSlice} and {@link TokenSlices}. A request the take cannot serve is refused, or
 * queued as above, from the bucket's state as the take left it, with no further call.
 *
 * <p>Thread-safe; never blocks.
 */
final class ClusterBuckets {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterBuckets.class);
    static final double LEAD_SHARE = 0.005;
    static final long MAX_LEAD = 10_000;

    private final AsyncProxyManager<String> buckets;
    private final ClusterCalls calls;
    private final Scheduler scheduler;
    private final String prefix;
    private final ClusterRateWaiters waiters;
    private final FairRateWaiters fairWaiters;
    private final DeficitQueue queue;
    private final TokenSlices slices;
    private final LongAdder takes = new LongAdder();
    private volatile Config config;
    /** The last move of this node's waiters to the configuration in force; each starts when the one before ends. */
    private CompletableFuture<Void> moves = CompletableFuture.completedFuture(null);   // guarded by movesLock
    private final Object movesLock = new Object();

    /** The definition in force, with what is derived from it; {@code sliceCap} bounds a node's lead. */
    private record Config(Policy policy, BucketConfiguration bucket, int quotaBand,
            RemoteAsyncBucketBuilder<String> builder, long sliceCap) {
    }

    /**
     * @param lines the fair lines ({@value MapNames#RATE_LINES}), for a queue with {@code fair-by}
     * @param clock the cluster's "now", for the times kept in those lines
     */
    ClusterBuckets(Policy policy, long version, AsyncProxyManager<String> buckets, IMap<String, RateLine> lines,
            ClusterCalls calls, Scheduler scheduler, Ticker clock, String prefix) {
        this.buckets = buckets;
        this.calls = calls;
        this.scheduler = scheduler;
        this.prefix = prefix;
        this.config = configOf(policy, version);
        this.waiters = new ClusterRateWaiters(scheduler, calls, this::giveBack);
        this.fairWaiters = new FairRateWaiters(scheduler, clock, calls, lines, prefix, this::giveBack);
        this.queue = new DeficitQueue(calls, waiters, fairWaiters, this::giveBack, this::queuedUnder);
        this.slices = new TokenSlices(scheduler, (key, held) -> giveBack(proxy(config, key), held));
    }

    private Config configOf(Policy policy, long version) {
        return new Config(policy, BucketConfigurations.of(policy), BucketConfigurations.quotaBand(policy),
                buckets.builder().withImplicitConfigurationReplacement(version, TokensInheritanceStrategy.AS_IS),
                sliceCap(policy));
    }

    /**
     * The most a node may take ahead of need: {@value #LEAD_SHARE} of (capacity + a second's refill) of the
     * rate (or, without one, the quota), at most {@value #MAX_LEAD}; 0 for small limits, which then take exactly
     * what each request needs.
     */
    static long sliceCap(Policy policy) {
        double capacity;
        double perSecond;
        if (policy.rate() != null) {
            capacity = policy.rate().burst();
            perSecond = policy.rate().limit() * 1e9 / policy.rate().period().toNanos();
        } else if (policy.quota() != null) {
            capacity = policy.quota().limit();
            perSecond = policy.quota().limit() * 1e9 / policy.quota().period().toNanos();
        } else {
            return 0;
        }
        return (long) Math.min(MAX_LEAD, LEAD_SHARE * (capacity + perSecond));
    }

    /**
     * Applies a new definition: buckets move to it on their next access; this node's waiters follow it at once
     * ({@link ClusterRateWaiters#rebalance}, {@link FairRateWaiters#rebalance}), or are admitted when the policy has
     * no rate or quota any more. Completes when this node's waiters have their new places.
     */
    CompletableFuture<Void> reconfigure(Policy next, long version) {
        Config current = configOf(next, version);
        config = current;
        if (current.bucket() == null) {
            admitAll();
            return CompletableFuture.completedFuture(null);
        }
        return move(null);
    }

    /**
     * A request queued on {@code key} under {@code policy}: if a live change came between its take and now, the
     * rebalance may have missed it, so the key's waiters move again (a waiter already moved moves to the same place).
     */
    private void queuedUnder(Policy policy, String key) {
        if (config.policy() != policy) {
            move(key);
        }
    }

    /**
     * Moves this node's waiters (only {@code onlyKey}'s when it is not null) to the configuration in force when the
     * move starts, after the move before it has ended: two moves at once would each take a waiter's reservation
     * again, and the later answer of the line could be the older one.
     */
    private CompletableFuture<Void> move(String onlyKey) {
        CompletableFuture<Void> start = new CompletableFuture<>();
        CompletableFuture<Void> moved = start.thenCompose(ignored -> {
            Config current = config;
            if (current.bucket() == null) {
                return CompletableFuture.<Void>completedFuture(null);   // admitAll has let them go
            }
            LongUnaryOperator depthBound = cost -> DeficitQueue.depthBound(current.policy(), cost);
            return CompletableFuture.allOf(
                    waiters.rebalance(onlyKey, key -> proxy(current, key), depthBound),
                    fairWaiters.rebalance(onlyKey, key -> proxy(current, key), depthBound));
        });
        CompletableFuture<Void> before;
        synchronized (movesLock) {
            before = moves;
            moves = moved;
        }
        before.whenComplete((done, failure) -> start.complete(null));
        return moved;
    }

    private AsyncBucketProxy proxy(Config current, String key) {
        BucketConfiguration bucket = current.bucket();
        return current.builder().build(prefix + key, () -> CompletableFuture.completedFuture(bucket));
    }

    /**
     * Takes {@code cost} tokens for a request on {@code key}: from this node's slice when it holds enough and no
     * request is waiting for the slice ahead of this one (no cluster call), else with the next take from the
     * cluster, which this request starts or joins.
     *
     * @param flow the request's flow in a fair queue, or null
     */
    CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos, String flow) {
        Config current = config;
        if (current.bucket() == null) {
            // a live change removed the rate and quota while this request was on its way
            return CompletableFuture.completedFuture(RateOutcome.consumed(0, 0));
        }
        while (true) {
            TokenSlice slice = slices.of(key);
            TokenSlice.Pending pending;
            synchronized (slice) {
                if (slice.retired) {
                    continue;   // the sweeper just gave this slice back: take a new one
                }
                long now = scheduler.ticker().nanos();
                RateOutcome served = slice.take(cost, now);
                if (served != null) {
                    return CompletableFuture.completedFuture(served);
                }
                pending = slice.enqueue(cost, maxWaitNanos, flow);
                if (!slice.startFetch()) {
                    return pending.result;   // joins the take in flight
                }
            }
            fetch(current, key, slice);
            return pending.result;
        }
    }

    /** Asks the cluster for what the slice's waiting requests need, plus the slice's lead. */
    private void fetch(Config current, String key, TokenSlice slice) {
        long want;
        synchronized (slice) {
            want = slice.markAsked() + slice.lead(scheduler.ticker().nanos(), current.sliceCap());
        }
        AsyncBucketProxy bucket = proxy(current, key);
        takes.increment();
        calls.bucket(() -> bucket.asVerbose().tryConsumeAsMuchAsPossible(want), (late, lateFailure) -> {
            // the requests were decided without this take (it timed out): what it got goes back
            if (late != null && late.getValue() > 0) {
                giveBack(bucket, late.getValue());
            }
        }).whenComplete((taken, failure) -> {
            TokenSlice.Settlement settlement = null;
            List<TokenSlice.Pending> failed = List.of();
            boolean again;
            long orphaned = 0;
            synchronized (slice) {
                if (failure == null) {
                    settlement = slice.settle(taken);
                } else {
                    failed = slice.failAsked();
                }
                again = slice.continueFetching();
                if (slice.retired) {
                    orphaned = slice.retire();   // retired while the take was in flight: nothing may keep them
                }
            }
            if (orphaned > 0) {
                giveBack(bucket, orphaned);
            }
            if (settlement != null) {
                for (TokenSlice.Served served : settlement.served()) {
                    served.pending().result.complete(served.outcome());
                }
                for (TokenSlice.Pending pending : settlement.unserved()) {
                    queue.notServed(current.policy(), current.quotaBand(), key, bucket, pending, taken);
                }
            }
            failed.forEach(pending -> pending.result.completeExceptionally(failure));
            if (again) {
                fetch(config, key, slice);
            }
        });
    }

    private void giveBack(AsyncBucketProxy bucket, long cost) {
        calls.bucketBackground(() -> bucket.addTokens(cost)).whenComplete((done, failure) -> {
            if (failure != null) {
                LOG.debug("Could not give {} token(s) back to {} ({})", cost, prefix, failure.toString());
            }
        });
    }

    /** Retires the key's slice, if any: returns its waiting requests; its tokens are given back when asked. */
    private List<TokenSlice.Pending> retireSlice(String key, boolean giveTokensBack) {
        TokenSlices.Retired retired = slices.retire(key);
        if (retired.held() > 0 && giveTokensBack && config.bucket() != null) {
            giveBack(proxy(config, key), retired.held());
        }
        return retired.waiting();
    }

    /** How many takes this node has sent to the cluster. */
    long takes() {
        return takes.sum();
    }

    /** Tokens this node holds ahead of need for {@code key}. */
    long heldHere(String key) {
        return slices.heldHere(key);
    }

    long queuedHere(String key) {
        return waiters.waiting().count(key) + fairWaiters.waiting().count(key);
    }

    long queuedHere() {
        return waiters.waiting().count() + fairWaiters.waiting().count();
    }

    long oldestWaiterNanos(long now) {
        return Math.max(waiters.waiting().oldestNanos(now), fairWaiters.waiting().oldestNanos(now));
    }

    /**
     * A key's tokens left per band, as {@code GET .../keys/{key}} shows them.
     *
     * @param rate   tokens left in the rate band, -1 when the policy has no rate
     * @param quota  tokens left in the quota band, -1 when the policy has no quota
     * @param exists whether the cluster has a bucket for the key
     */
    record Tokens(long rate, long quota, boolean exists) {
    }

    /** The key's tokens left per band. Tokens this node holds ahead of need count as left; other nodes' do not. */
    CompletableFuture<Tokens> tokens(String key) {
        Config current = config;
        Policy policy = current.policy();
        long rate = policy.rate() == null ? -1 : policy.rate().burst();
        long quota = policy.quota() == null ? -1 : policy.quota().limit();
        return calls.bucketBackground(() -> buckets.getProxyConfiguration(prefix + key)).thenCompose(existing -> {
            if (existing.isEmpty() || current.bucket() == null) {
                return CompletableFuture.completedFuture(new Tokens(rate, quota, existing.isPresent()));
            }
            long held = heldHere(key);
            return calls.bucketBackground(() -> proxy(current, key).asVerbose().getAvailableTokens())
                    .thenApply(tokens -> new Tokens(
                            policy.rate() == null ? -1 : Math.max(0, tokens.getState().getCurrentSize(0)) + held,
                            current.quotaBand() < 0 ? -1
                                    : Math.max(0, tokens.getState().getCurrentSize(current.quotaBand())) + held,
                            true));
        });
    }

    /** Forgets the key's bucket; this node's waiters for it are refused. Completes with whether it existed. */
    CompletableFuture<Boolean> reset(String key) {
        boolean hadWaiters = false;
        for (TokenSlice.Pending pending : retireSlice(key, false)) {
            hadWaiters = true;
            pending.result.complete(RateOutcome.refused(Reason.RATE, 0, 0, 1));
        }
        for (ClusterRateWaiters.Waiter waiter : waiters.drain(key)) {
            hadWaiters = true;
            waiter.caller.complete(RateOutcome.refused(Reason.RATE, 0, 0, 1));
        }
        for (FairRateWaiters.Waiter waiter : fairWaiters.drain(key, false)) {
            hadWaiters = true;
            waiter.caller.complete(RateOutcome.refused(Reason.RATE, 0, 0, 1));
        }
        boolean waitersRefused = hadWaiters;
        return calls.bucketBackground(() -> buckets.getProxyConfiguration(prefix + key)).thenCompose(existing ->
                existing.isEmpty() ? CompletableFuture.completedFuture(waitersRefused)
                        : calls.bucketBackground(() -> buckets.removeProxy(prefix + key)).thenApply(removed -> true));
    }

    /** Admits this node's waiters (the policy is gone). */
    void admitAll() {
        for (String key : slices.keys()) {
            retireSlice(key, true).forEach(pending -> pending.result.complete(RateOutcome.consumed(0, 0)));
        }
        for (String key : waiters.waiting().keys()) {
            for (ClusterRateWaiters.Waiter waiter : waiters.drain(key)) {
                waiter.caller.complete(RateOutcome.consumed(0, 0).withWaited(
                        scheduler.ticker().nanos() - waiter.start));
            }
        }
        for (String key : fairWaiters.waiting().keys()) {
            for (FairRateWaiters.Waiter waiter : fairWaiters.drain(key, false)) {
                waiter.caller.complete(RateOutcome.consumed(0, 0).withWaited(
                        scheduler.ticker().nanos() - waiter.start));
            }
        }
    }

    /**
     * Refuses this node's waiters (the backend is closing); their tokens stay reserved until due. Tokens held
     * ahead of need are given back.
     */
    void refuseAll() {
        slices.close();
        for (String key : slices.keys()) {
            retireSlice(key, true).forEach(pending ->
                    pending.result.complete(RateOutcome.refused(Reason.QUEUE_TIMEOUT, 0, 0, 1)));
        }
        for (String key : waiters.waiting().keys()) {
            for (ClusterRateWaiters.Waiter waiter : waiters.drain(key)) {
                waiter.caller.complete(RateOutcome.refused(Reason.QUEUE_TIMEOUT, 0, 0, 1));
            }
        }
        for (String key : fairWaiters.waiting().keys()) {
            for (FairRateWaiters.Waiter waiter : fairWaiters.drain(key, false)) {
                waiter.caller.complete(RateOutcome.refused(Reason.QUEUE_TIMEOUT, 0, 0, 1));
            }
        }
    }
}
