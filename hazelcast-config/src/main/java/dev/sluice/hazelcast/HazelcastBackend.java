package dev.sluice.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.BackendHealth;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.Ticker;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.grid.hazelcast.Bucket4jHazelcast;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cluster backend on Hazelcast: Bucket4j buckets in IMap {@value #BUCKETS} ({@link ClusterBuckets}), lease
 * semaphores with FIFO waiters in IMap {@value #SEMAPHORES} ({@link SemaphoreClient}). Every member of the cluster
 * needs sluice-hazelcast on its class path and {@link SluiceSerialization#register} applied, because the entry
 * processors run where the data lives.
 *
 * <p><b>Time.</b> Every timer (waiter deadlines, heartbeat, sweeper, safety poll, rate-queue releases) runs on the
 * given {@link Scheduler}, and every entry processor and Bucket4j command is given "now" by the calling node from
 * the scheduler's ticker made cluster-comparable ({@link ClusterClock}): in production the wall clock, so the
 * members' clocks must be roughly synchronised; in tests a manual clock shared by the nodes.
 *
 * <p><b>Expiry.</b> A bucket expires (entry time-to-live, set by Bucket4j on every write) {@value #BUCKET_KEEP_SECONDS}
 * s after it would be full again, when it is indistinguishable from a new one; a semaphore entry is removed as soon
 * as no lease and no waiter is left.
 *
 * <p>Thread-safe. No method blocks a request thread.
 */
public final class HazelcastBackend implements Backend {
    static final String BUCKETS = "sluice-buckets";
    static final String SEMAPHORES = "sluice-semaphores";
    static final int BUCKET_KEEP_SECONDS = 60;

    private final HazelcastInstance hazelcast;
    private final Scheduler scheduler;
    private final PolicyVersions versions;
    private final ClusterCalls calls;
    private final AsyncProxyManager<String> buckets;
    private final SemaphoreClient semaphores;
    private final Set<HazelcastPolicyLimiter> limiters = ConcurrentHashMap.newKeySet();

    /**
     * A backend over {@code hazelcast}, for use on its own (the versions of policy definitions then count this
     * node's changes); {@link HazelcastCluster#over} pairs it with the replicated policy store instead.
     *
     * @param scheduler every timer runs on it, and "now" comes from its ticker (see {@link ClusterClock})
     */
    public HazelcastBackend(HazelcastInstance hazelcast, Scheduler scheduler) {
        this(hazelcast, scheduler, PolicyVersions.NONE);
    }

    HazelcastBackend(HazelcastInstance hazelcast, Scheduler scheduler, PolicyVersions versions) {
        this.hazelcast = hazelcast;
        this.scheduler = scheduler;
        this.versions = versions;
        AsyncCompletions.ensureReusableThreads();
        this.calls = new ClusterCalls(hazelcast);
        Ticker clock = ClusterClock.of(scheduler.ticker());
        // Bucket4j asks whether the clock means the same on every node: the cluster clock does, by construction
        TimeMeter meter = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return clock.nanos();
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
        IMap<String, byte[]> bucketMap = hazelcast.getMap(BUCKETS);
        this.buckets = Bucket4jHazelcast.entryProcessorBasedBuilder(bucketMap)
                .clientClock(meter)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                        Duration.ofSeconds(BUCKET_KEEP_SECONDS)))
                .build()
                .asAsync();
        this.semaphores = new SemaphoreClient(hazelcast, calls, scheduler, clock);
    }

    @Override
    public String name() {
        return "hazelcast";
    }

    @Override
    public PolicyLimiter bind(Policy policy) {
        HazelcastPolicyLimiter limiter = new HazelcastPolicyLimiter(this, policy);
        limiters.add(limiter);
        return limiter;
    }

    /** Never blocks: reads the instance's local view of the cluster. */
    @Override
    public BackendHealth health() {
        Map<String, Object> details = new LinkedHashMap<>();
        try {
            boolean running = hazelcast.getLifecycleService().isRunning();
            details.put("members", hazelcast.getCluster().getMembers().size());
            details.put("instance", hazelcast.getName());
            return new BackendHealth(name(), running ? BackendHealth.Status.UP : BackendHealth.Status.DOWN, details);
        } catch (RuntimeException failure) {
            details.put("error", failure.toString());
            return new BackendHealth(name(), BackendHealth.Status.DOWN, details);
        }
    }

    /** Stops this node's timers and listeners; its waiters are refused. Leaves the instance running. */
    @Override
    public void close() {
        for (HazelcastPolicyLimiter limiter : limiters) {
            limiter.shutDown();
        }
        limiters.clear();
        semaphores.close();
    }

    /** The version of {@code policy}'s definition: the store's revision, or the next after {@code previous}. */
    long versionOf(Policy policy, long previous) {
        return versions.versionOf(policy).orElse(previous + 1);
    }

    void forget(HazelcastPolicyLimiter limiter) {
        limiters.remove(limiter);
    }

    AsyncProxyManager<String> buckets() {
        return buckets;
    }

    SemaphoreClient semaphores() {
        return semaphores;
    }

    ClusterCalls calls() {
        return calls;
    }

    Scheduler scheduler() {
        return scheduler;
    }
}
