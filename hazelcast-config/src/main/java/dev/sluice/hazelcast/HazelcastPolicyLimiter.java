package dev.sluice.hazelcast;

import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.KeyState;
import dev.sluice.core.spi.LimiterStats;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.spi.RateOutcome;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One cluster-scope policy: its buckets ({@link ClusterBuckets}) and its semaphores (IMap entries keyed
 * {@code policy + U+001F + key}, driven through the node's {@link SemaphoreClient}). Thread-safe; never blocks.
 */
final class HazelcastPolicyLimiter implements PolicyLimiter {
    static final char SEPARATOR = '\u001f';

    private final HazelcastBackend backend;
    private final String prefix;
    private final ClusterBuckets buckets;
    private final AtomicBoolean unbound = new AtomicBoolean();
    private volatile Policy policy;

    HazelcastPolicyLimiter(HazelcastBackend backend, Policy policy) {
        this.backend = backend;
        this.policy = policy;
        this.prefix = policy.name() + SEPARATOR;
        this.buckets = new ClusterBuckets(policy, backend.buckets(), backend.scheduler(), prefix);
    }

    @Override
    public Policy policy() {
        return policy;
    }

    @Override
    public CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos) {
        return buckets.consume(key, cost, maxWaitNanos);
    }

    @Override
    public CompletableFuture<PermitOutcome> acquire(String key, long permits, long maxWaitNanos) {
        Policy current = policy;
        if (current.concurrency() == null) {
            return CompletableFuture.completedFuture(PermitOutcome.granted(dev.sluice.core.spi.Lease.NONE, 0));
        }
        int depth = current.queue() == null ? 0 : current.queue().depth();
        return backend.semaphores().acquire(prefix + key, permits, current.concurrency().permits(),
                current.concurrency().lease().toNanos(), depth, maxWaitNanos);
    }

    @Override
    public void reconfigure(Policy next) {
        policy = next;
        buckets.reconfigure(next);
        if (next.concurrency() != null) {
            backend.semaphores().reconfigure(prefix, next.concurrency().permits(),
                    next.concurrency().lease().toNanos(), next.queue() == null ? 0 : next.queue().depth());
        }
    }

    @Override
    public CompletableFuture<KeyState> state(String key) {
        Policy current = policy;
        long full = current.concurrency() == null ? 0 : current.concurrency().permits();
        CompletableFuture<SemaphoreOps.Result> semaphore = HazelcastBackend.calls(
                backend.semaphoreMap().submitToKey(prefix + key, new SemaphoreOps.Read()));
        return buckets.tokens(key).thenCombine(semaphore, (tokens, entry) -> new KeyState(key,
                tokens[2] > 0 || entry.used() > 0 || entry.queued() > 0, tokens[0], tokens[1], entry.used(), full,
                entry.queued() + buckets.queuedHere(key)));
    }

    @Override
    public CompletableFuture<Boolean> reset(String key) {
        return buckets.reset(key);
    }

    @Override
    public LimiterStats stats() {
        SemaphoreClient semaphores = backend.semaphores();
        return new LimiterStats(semaphores.waitingCount(prefix) + buckets.queuedHere(), semaphores.heldCount(prefix),
                semaphores.oldestWaiterNanos(prefix), -1);
    }

    @Override
    public void unbind() {
        if (unbound.compareAndSet(false, true)) {
            backend.semaphores().admitWaiters(prefix);
        }
    }
}
