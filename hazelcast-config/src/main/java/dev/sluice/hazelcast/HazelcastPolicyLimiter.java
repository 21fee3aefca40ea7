package dev.sluice.hazelcast;

import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.spi.AbstractPolicyLimiter;
import dev.sluice.core.spi.KeyState;
import dev.sluice.core.spi.Lease;
import dev.sluice.core.spi.LimiterStats;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.spi.RateOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One cluster-scope policy: its buckets ({@link ClusterBuckets}) and its semaphores (IMap entries keyed
 * {@code policy U+001F key}, driven through the node's {@link SemaphoreClient}). It uses the node's
 * {@link ClusterServices}, given when it is bound. Thread-safe; never blocks.
 */
final class HazelcastPolicyLimiter extends AbstractPolicyLimiter {
    private final ClusterServices services;
    private final SemaphoreClient semaphores;
    private final String prefix;
    private final ClusterBuckets buckets;
    private volatile Definition definition;

    /** @param onUnbind told once when this policy is unbound (not when the backend shuts it down) */
    HazelcastPolicyLimiter(ClusterServices services, Policy policy, Consumer<PolicyLimiter> onUnbind) {
        super(policy, onUnbind);
        this.services = services;
        this.semaphores = services.semaphores();
        this.prefix = policy.name() + MapNames.SEPARATOR;
        this.definition = definitionOf(policy, services.versions().versionOf(policy, 0));
        this.buckets = new ClusterBuckets(policy, definition.version(), services.buckets(),
                services.hazelcast().getMap(MapNames.RATE_LINES), services.calls(), services.scheduler(),
                services.clock(), prefix);
    }

    private static Definition definitionOf(Policy policy, long version) {
        return new Definition(version, policy.concurrency() == null ? 0 : policy.concurrency().permits(),
                policy.concurrency() == null ? 0 : policy.concurrency().lease().toNanos(),
                policy.queue() == null ? 0 : policy.queue().depth());
    }

    @Override
    public CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos) {
        return buckets.consume(key, cost, maxWaitNanos, null);
    }

    /** A fair queue's line lives in the cluster ({@link RateLine}), so its order holds across the nodes. */
    @Override
    public CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos, String flow) {
        return buckets.consume(key, cost, maxWaitNanos, flow);
    }

    @Override
    public CompletableFuture<PermitOutcome> acquire(String key, long permits, long maxWaitNanos) {
        return acquire(key, permits, maxWaitNanos, null);
    }

    /**
     * The semaphore entry keeps the line, so a fair queue's order holds across the nodes: the request brings its
     * flow, the flow's weight and the flow depth as this node's definition of the policy has them.
     */
    @Override
    public CompletableFuture<PermitOutcome> acquire(String key, long permits, long maxWaitNanos, String flow) {
        Policy current = policy();
        if (current.concurrency() == null) {
            // a live change removed the concurrency limit while this request was on its way
            return CompletableFuture.completedFuture(PermitOutcome.granted(Lease.NONE, 0));
        }
        QueueLimit queue = current.queue();
        Flow line = queue == null || !queue.fair() || flow == null ? Flow.FIFO
                : new Flow(flow, queue.weightOf(flow), queue.flowDepth());
        return semaphores.acquire(prefix + key, permits, definition, maxWaitNanos, line);
    }

    /** This node's rate waiters after the last live change: completes once they have their new places (tests). */
    private volatile CompletableFuture<Void> rebalanced = CompletableFuture.completedFuture(null);

    CompletableFuture<Void> rebalanced() {
        return rebalanced;
    }

    @Override
    protected void apply(Policy next) {
        long version = services.versions().versionOf(next, definition.version());
        Definition nextDefinition = definitionOf(next, version);
        definition = nextDefinition;
        rebalanced = buckets.reconfigure(next, version);
        if (next.concurrency() != null) {
            semaphores.reconfigure(prefix, nextDefinition);
        } else {
            // the limit is gone: this node's waiters pass (each node admits its own); held leases run out as usual
            semaphores.admitWaiters(prefix);
        }
    }

    @Override
    public CompletableFuture<KeyState> state(String key) {
        Policy current = policy();
        long full = current.concurrency() == null ? 0 : current.concurrency().permits();
        return buckets.tokens(key).thenCombine(semaphores.read(prefix + key), (tokens, entry) ->
                new KeyState(key, tokens.exists() || entry.code() != SemaphoreOps.Code.ABSENT, tokens.rate(),
                        tokens.quota(), entry.used(), full, entry.queued() + buckets.queuedHere(key)));
    }

    @Override
    public CompletableFuture<Boolean> reset(String key) {
        return buckets.reset(key).thenCombine(semaphores.refuseWaiters(prefix + key),
                (bucket, waiters) -> bucket || waiters);
    }

    /**
     * One page of the keys with a bucket or a semaphore in the cluster: a paging query per map, sorted by key on the
     * members, so no more than {@code limit} keys per map travel; on {@link ClusterReads}' threads.
     */
    @Override
    public CompletableFuture<List<String>> keys(String after, int limit) {
        String from = prefix + (after == null ? "" : after);
        String to = policy().name() + (char) (MapNames.SEPARATOR + 1);
        return services.reads().run(() -> {
            TreeSet<String> page = new TreeSet<>();
            for (String map : List.of(MapNames.BUCKETS, MapNames.SEMAPHORES)) {
                String attribute = MapNames.KEY_ATTRIBUTE;
                Predicate<String, Object> range = Predicates.and(after == null
                        ? Predicates.greaterEqual(attribute, from) : Predicates.greaterThan(attribute, from),
                        Predicates.lessThan(attribute, to));
                IMap<String, Object> entries = services.hazelcast().getMap(map);
                for (String key : entries.keySet(Predicates.pagingPredicate(range, limit))) {
                    page.add(key.substring(prefix.length()));
                }
            }
            List<String> keys = new ArrayList<>(page);
            return keys.size() > limit ? keys.subList(0, limit) : keys;
        });
    }

    @Override
    public LimiterStats stats() {
        long now = services.scheduler().ticker().nanos();
        return new LimiterStats(semaphores.waitingCount(prefix) + buckets.queuedHere(),
                semaphores.heldPermits(prefix),
                Math.max(semaphores.oldestWaiterNanos(prefix), buckets.oldestWaiterNanos(now)), -1);
    }

    @Override
    protected void admitWaiters() {
        buckets.admitAll();
        semaphores.admitWaiters(prefix);
    }

    /** This node's side of the policy's buckets. */
    ClusterBuckets buckets() {
        return buckets;
    }

    /** The backend is closing: this node's rate waiters are refused (semaphore waiters by the client). */
    @Override
    protected void refuseWaiters() {
        buckets.refuseAll();
    }
}
