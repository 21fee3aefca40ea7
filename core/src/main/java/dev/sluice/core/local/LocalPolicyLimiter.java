package dev.sluice.core.local;

import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.AbstractPolicyLimiter;
import dev.sluice.core.spi.KeyState;
import dev.sluice.core.spi.LimiterStats;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.core.time.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** One policy's buckets and semaphores on this node. Thread-safe; never blocks. */
final class LocalPolicyLimiter extends AbstractPolicyLimiter {
    private final Scheduler scheduler;
    private final LocalBuckets buckets;
    private final LocalSemaphores semaphores;

    LocalPolicyLimiter(Policy policy, Scheduler scheduler, long maxKeys, Consumer<PolicyLimiter> onUnbind) {
        super(policy, onUnbind);
        this.scheduler = scheduler;
        this.buckets = new LocalBuckets(policy, scheduler, maxKeys);
        this.semaphores = new LocalSemaphores(policy, scheduler);
    }

    @Override
    public CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos) {
        return buckets.consume(key, cost, maxWaitNanos, null);
    }

    @Override
    public CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos, String flow) {
        return buckets.consume(key, cost, maxWaitNanos, flow);
    }

    @Override
    public CompletableFuture<PermitOutcome> acquire(String key, long permits, long maxWaitNanos) {
        return semaphores.acquire(key, permits, maxWaitNanos, null);
    }

    @Override
    public CompletableFuture<PermitOutcome> acquire(String key, long permits, long maxWaitNanos, String flow) {
        return semaphores.acquire(key, permits, maxWaitNanos, flow);
    }

    @Override
    protected void apply(Policy next) {
        buckets.reconfigure(next);
        semaphores.reconfigure(next);
    }

    @Override
    public CompletableFuture<KeyState> state(String key) {
        Policy current = policy();
        long[] tokens = buckets.tokens(key);
        long[] permits = semaphores.state(key);
        long full = current.concurrency() == null ? 0 : current.concurrency().permits();
        boolean exists = buckets.exists(key) || semaphores.exists(key);
        return CompletableFuture.completedFuture(new KeyState(key, exists, tokens[0], tokens[1], permits[0], full,
                permits[1] + buckets.queued(key)));
    }

    @Override
    public CompletableFuture<Boolean> reset(String key) {
        boolean had = buckets.reset(key);
        had |= semaphores.reset(key);
        return CompletableFuture.completedFuture(had);
    }

    /** Sorts no more than a page: one pass over the keys keeps the {@code limit} smallest after {@code after}. */
    @Override
    public CompletableFuture<List<String>> keys(String after, int limit) {
        TreeSet<String> page = new TreeSet<>();
        for (Set<String> keys : List.of(buckets.keys(), semaphores.keys())) {
            for (String key : keys) {
                boolean later = after == null || key.compareTo(after) > 0;
                if (later && (page.size() < limit || key.compareTo(page.last()) < 0)) {
                    page.add(key);
                    if (page.size() > limit) {
                        page.pollLast();
                    }
                }
            }
        }
        return CompletableFuture.completedFuture(new ArrayList<>(page));
    }

    @Override
    public LimiterStats stats() {
        long now = scheduler.ticker().nanos();
        return new LimiterStats(buckets.queued() + semaphores.queued(), semaphores.inUse(),
                Math.max(buckets.oldestWaiterNanos(now), semaphores.oldestWaiterNanos(now)),
                buckets.keys().size() + semaphores.keys().size());
    }

    @Override
    protected void admitWaiters() {
        buckets.admitAll();
        semaphores.admitAll();
    }

    /** The backend is closing: every waiter is refused. */
    @Override
    protected void refuseWaiters() {
        buckets.refuseAll();
        semaphores.refuseAll();
    }
}
