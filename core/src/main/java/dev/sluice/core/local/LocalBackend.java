package dev.sluice.core.local;

import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.BackendHealth;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.time.Scheduler;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node-local backend: buckets in a bounded Caffeine cache per policy, FIFO semaphores in a map that holds only
 * keys in use, waiting on one shared {@link Scheduler}. Serves {@code scope: node}, and is the model every other
 * backend is checked against.
 *
 * <p>Leases do not expire here: the holder is this JVM, and the adapters release every lease when its request
 * ends. Thread-safe; no method blocks.
 */
public final class LocalBackend implements Backend {
    /** Buckets kept per policy by default before the least recently used are forgotten. */
    public static final long DEFAULT_MAX_KEYS = 100_000;

    private final Scheduler scheduler;
    private final long maxKeysPerPolicy;
    private final Set<LocalPolicyLimiter> bound = ConcurrentHashMap.newKeySet();

    public LocalBackend(Scheduler scheduler) {
        this(scheduler, DEFAULT_MAX_KEYS);
    }

    /**
     * @param maxKeysPerPolicy how many keys' buckets one policy keeps at most; the least recently used beyond that
     *                         are forgotten (they start full again when next seen)
     */
    public LocalBackend(Scheduler scheduler, long maxKeysPerPolicy) {
        if (maxKeysPerPolicy < 1) {
            throw new IllegalArgumentException("maxKeysPerPolicy must be at least 1, got " + maxKeysPerPolicy);
        }
        this.scheduler = scheduler;
        this.maxKeysPerPolicy = maxKeysPerPolicy;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public PolicyLimiter bind(Policy policy) {
        LocalPolicyLimiter limiter = new LocalPolicyLimiter(policy, scheduler, maxKeysPerPolicy, bound::remove);
        bound.add(limiter);
        return limiter;
    }

    @Override
    public BackendHealth health() {
        return new BackendHealth(name(), BackendHealth.Status.UP, Map.of("policies", bound.size()));
    }

    /** Refuses every waiter of every bound policy and forgets all state. */
    @Override
    public void close() {
        for (LocalPolicyLimiter limiter : bound) {
            limiter.shutDown();
        }
        bound.clear();
    }
}
