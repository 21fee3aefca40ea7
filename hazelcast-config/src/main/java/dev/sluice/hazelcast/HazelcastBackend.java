package dev.sluice.hazelcast;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
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
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cluster backend on Hazelcast: Bucket4j buckets in IMap {@value MapNames#BUCKETS} ({@link ClusterBuckets}),
 * lease semaphores with FIFO waiters in IMap {@value MapNames#SEMAPHORES} ({@link SemaphoreClient}). Every member of
 * the cluster needs sluice-hazelcast (and Bucket4j) on its class path, whose hooks register the serializers
 * ({@link SluiceSerialization}), because the entry processors run where the data lives.
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
 * <p><b>Failures.</b> Request-path calls (rate consumption, permit acquisition, leaving a queue) go through a
 * {@link ClusterGuard}: a time limit (default 50 ms) and one circuit breaker for this backend. When one fails, the
 * engine applies the policy's {@code on-backend-failure} rule; while it does, {@link #health()} says
 * {@code DEGRADED} with the breaker's state and figures. The node-local share under {@code local} divides by the
 * members this node saw while the cluster answered ({@link #membersLastSeen()}).
 *
 * <p>Thread-safe. No method blocks a request thread.
 */
public final class HazelcastBackend implements Backend {
    static final int BUCKET_KEEP_SECONDS = 60;

    private final HazelcastInstance hazelcast;
    private final SemaphoreClient semaphores;
    /** What every policy bound here uses of this node. */
    private final ClusterServices services;
    private final Set<HazelcastPolicyLimiter> limiters = ConcurrentHashMap.newKeySet();
    private final ClusterGuard guard;
    private final UUID membership;
    private final ClusterReads reads = new ClusterReads();
    private volatile int membersLastSeen;

    /**
     * A backend over {@code hazelcast}, for use on its own (the versions of policy definitions then count this
     * node's changes); {@link HazelcastCluster#over} pairs it with the replicated policy store instead.
     *
     * @param scheduler every timer runs on it, and "now" comes from its ticker (see {@link ClusterClock})
     */
    public HazelcastBackend(HazelcastInstance hazelcast, Scheduler scheduler) {
        this(hazelcast, scheduler, PolicyVersions.NONE, ClusterGuard.Settings.DEFAULTS);
    }

    /**
     * A backend over {@code hazelcast} whose time limit and circuit breaker follow {@code options} (the provider
     * options {@code timeout}, {@code breaker-failure-rate}, {@code breaker-window}, {@code breaker-open},
     * {@code breaker-half-open-calls}; see {@link HazelcastCluster}).
     *
     * @throws IllegalArgumentException naming an unknown option, or an option with its bad value and what is allowed
     */
    public HazelcastBackend(HazelcastInstance hazelcast, Scheduler scheduler, Map<String, String> options) {
        this(hazelcast, scheduler, PolicyVersions.NONE, checked(options));
    }

    private static ClusterGuard.Settings checked(Map<String, String> options) {
        ClusterConfigs.checkOptions(options, ClusterGuard.OPTIONS);
        return ClusterGuard.Settings.from(options);
    }

    HazelcastBackend(HazelcastInstance hazelcast, Scheduler scheduler, PolicyVersions versions,
            ClusterGuard.Settings guardSettings) {
        HazelcastVersions.require();
        this.hazelcast = hazelcast;
        AsyncCompletions.ensureReusableThreads();
        this.guard = new ClusterGuard(name(), guardSettings, scheduler);
        ClusterCalls calls = new ClusterCalls(hazelcast, guard);
        this.membersLastSeen = currentMembers(hazelcast, 1);
        this.membership = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                seeMembers();
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                seeMembers();
            }
        });
        guard.onRecovery(this::seeMembers);
        Ticker clock = ClusterClock.of(scheduler.ticker(), hazelcast);
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
        IMap<String, byte[]> bucketMap = hazelcast.getMap(MapNames.BUCKETS);
        AsyncProxyManager<String> buckets = Bucket4jHazelcast.entryProcessorBasedBuilder(bucketMap)
                .clientClock(meter)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                        Duration.ofSeconds(BUCKET_KEEP_SECONDS)))
                .build()
                .asAsync();
        this.semaphores = new SemaphoreClient(hazelcast, calls, scheduler, clock);
        this.services = new ClusterServices(hazelcast, scheduler, clock, calls, reads, buckets, semaphores, versions);
    }

    @Override
    public String name() {
        return "hazelcast";
    }

    @Override
    public PolicyLimiter bind(Policy policy) {
        HazelcastPolicyLimiter limiter = new HazelcastPolicyLimiter(services, policy, limiters::remove);
        limiters.add(limiter);
        return limiter;
    }

    /**
     * Never blocks: reads the instance's local view of the cluster and the guard's state. {@code DOWN} when the
     * instance is not running, {@code DEGRADED} while the guard says so (details: {@code breaker} state, its failure
     * rate and counts, {@code degraded-since}, {@code last-failure}), else {@code UP}.
     */
    @Override
    public BackendHealth health() {
        Map<String, Object> details = new LinkedHashMap<>();
        try {
            boolean running = hazelcast.getLifecycleService().isRunning();
            details.put("members", hazelcast.getCluster().getMembers().size());
            details.put("members-last-seen", membersLastSeen);
            details.put("majority", SplitBrain.hasMajority(hazelcast));
            details.put("instance", hazelcast.getName());
            details.putAll(guard.details());
            BackendHealth.Status status = !running ? BackendHealth.Status.DOWN
                    : guard.degraded() ? BackendHealth.Status.DEGRADED : BackendHealth.Status.UP;
            return new BackendHealth(name(), status, details);
        } catch (RuntimeException failure) {
            details.put("error", failure.toString());
            return new BackendHealth(name(), BackendHealth.Status.DOWN, details);
        }
    }

    /**
     * The members this node saw while the cluster answered, at least 1: updated on every membership change while
     * the backend is not degraded, and when it recovers. A client that loses its cluster keeps the count it had.
     */
    @Override
    public int membersLastSeen() {
        return membersLastSeen;
    }

    @Override
    public void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
        guard.bindMetrics(registry);
    }

    @Override
    public long timesDegraded() {
        return guard.timesDegraded();
    }

    /**
     * Takes the current view as the count to divide by, unless the backend is degraded or the view is a minority
     * that the split-brain protection refuses ({@link SplitBrain}): a member cut off from the others keeps dividing
     * by the cluster it belonged to, so its local share stays a share.
     */
    private void seeMembers() {
        if (!guard.degraded()) {
            int members = currentMembers(hazelcast, membersLastSeen);
            if (SplitBrain.acceptsView(hazelcast, members, membersLastSeen)) {
                membersLastSeen = members;
            }
        }
    }

    private static int currentMembers(HazelcastInstance hazelcast, int otherwise) {
        try {
            int members = hazelcast.getCluster().getMembers().size();
            return members > 0 ? members : otherwise;
        } catch (RuntimeException gone) {
            return otherwise;
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
        reads.close();
        try {
            hazelcast.getCluster().removeMembershipListener(membership);
        } catch (RuntimeException gone) {
            // the instance is already shut down
        }
    }

    /** The threads of the management reads Hazelcast only offers blocking (queries, ringbuffer sequences). */
    ClusterReads reads() {
        return reads;
    }

    /** This node's side of the semaphores (tests). */
    SemaphoreClient semaphores() {
        return semaphores;
    }
}
