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
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.ClientSideConfig;
import io.github.bucket4j.grid.hazelcast.HazelcastProxyManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The cluster backend on Hazelcast: Bucket4j buckets in IMap {@value #BUCKETS}, semaphores in IMap
 * {@value #SEMAPHORES}, decisions about waiters on topic {@value #NOTICES}. Every member of the cluster needs
 * sluice-hazelcast on its class path, because the entry processors run where the data lives.
 *
 * <p><b>Clocks.</b> Entry processors are given "now" by the calling node, as Bucket4j does: in production the wall
 * clock (so members' clocks must be roughly synchronised, as NTP keeps them), in tests the manual clock.
 */
public final class HazelcastBackend implements Backend {
    static final String BUCKETS = "sluice-buckets";
    static final String SEMAPHORES = "sluice-semaphores";
    static final String NOTICES = "sluice-semaphore-notices";

    private final HazelcastInstance hazelcast;
    private final Scheduler scheduler;
    private final AsyncProxyManager<String> buckets;
    private final IMap<String, SemaphoreState> semaphoreMap;
    private final SemaphoreClient semaphores;

    /**
     * @param clusterClock the clock whose "now" all nodes share: {@link #WALL_CLOCK} in production
     */
    public HazelcastBackend(HazelcastInstance hazelcast, Scheduler scheduler, Ticker clusterClock) {
        this.hazelcast = hazelcast;
        this.scheduler = scheduler;
        TimeMeter meter = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return clusterClock.nanos();
            }

            @Override
            public boolean isWallClockBased() {
                return clusterClock == WALL_CLOCK;
            }
        };
        IMap<String, byte[]> bucketMap = hazelcast.getMap(BUCKETS);
        this.buckets = new HazelcastProxyManager<>(bucketMap, ClientSideConfig.getDefault().withClientClock(meter))
                .asAsync();
        this.semaphoreMap = hazelcast.getMap(SEMAPHORES);
        this.semaphores = new SemaphoreClient(hazelcast, scheduler, clusterClock);
    }

    /** Wall-clock nanoseconds: a "now" that the members of a cluster share. */
    public static final Ticker WALL_CLOCK = () -> {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };

    @Override
    public String name() {
        return "hazelcast";
    }

    @Override
    public PolicyLimiter bind(Policy policy) {
        return new HazelcastPolicyLimiter(this, policy);
    }

    @Override
    public BackendHealth health() {
        Map<String, Object> details = new LinkedHashMap<>();
        try {
            boolean running = hazelcast.getLifecycleService().isRunning();
            details.put("members", hazelcast.getCluster().getMembers().size());
            details.put("cluster", hazelcast.getConfig().getClusterName());
            return new BackendHealth(name(), running ? BackendHealth.Status.UP : BackendHealth.Status.DOWN, details);
        } catch (RuntimeException failure) {
            details.put("error", failure.toString());
            return new BackendHealth(name(), BackendHealth.Status.DOWN, details);
        }
    }

    @Override
    public void close() {
        semaphores.close();
    }

    AsyncProxyManager<String> buckets() {
        return buckets;
    }

    IMap<String, SemaphoreState> semaphoreMap() {
        return semaphoreMap;
    }

    SemaphoreClient semaphores() {
        return semaphores;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    /** Every cluster call's stage as a future (the one place a later time limit and breaker can wrap). */
    static <T> CompletableFuture<T> calls(CompletionStage<T> stage) {
        return stage.toCompletableFuture();
    }
}
