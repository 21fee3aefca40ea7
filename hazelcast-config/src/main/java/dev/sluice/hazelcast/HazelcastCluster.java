package dev.sluice.hazelcast;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.sluice.core.spi.AuditStore;
import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.CandidateStore;
import dev.sluice.core.spi.ClusterConnection;
import dev.sluice.core.spi.ClusterSettings;
import dev.sluice.core.spi.PolicyStore;
import dev.sluice.core.spi.SketchExchange;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.SystemScheduler;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Sluice cluster connection on Hazelcast: the {@link HazelcastBackend} and the {@link HazelcastPolicyStore} over one
 * instance. {@link #start} starts an embedded member, or a client of an external cluster, from
 * {@link ClusterSettings}; {@link #over} reuses an instance the application already has.
 *
 * <p><b>Every member needs this jar.</b> Sluice's entry processors run on the members that own the data, so every
 * member of the cluster (embedded Sluice nodes, and the members of an external cluster in client mode) needs
 * {@code dev.sluice:sluice-hazelcast} and {@code com.bucket4j:bucket4j_jdk17-hazelcast} on its class path (the
 * {@code member} jar bundles them); their class-path hooks register Sluice's serializers ({@link SluiceSerialization}).
 * Both {@link #start} and {@link #over} check
 * this on every member at start-up and fail with an {@link IllegalStateException} saying so; a member that joins
 * later is checked when it joins, and an error is logged if it cannot serve Sluice.
 *
 * <p>Settings: {@code mode} {@code embedded} (default) or {@code client}; {@code config} a Hazelcast member (or, in
 * client mode, client) configuration file, {@code classpath:...} or a path, YAML or XML, default
 * {@value #DEFAULT_MEMBER_CONFIG} / {@value #DEFAULT_CLIENT_CONFIG}; {@code members} the TCP-IP join list (or the
 * client's cluster addresses); {@code port} a fixed port (default 5701 with auto-increment); {@code bindHost} the
 * one address the member binds (default 127.0.0.1). Options: {@code cluster-name} (default {@code sluice}), and the
 * failure handling of request-path calls ({@link ClusterGuard}): {@code timeout} (the time limit of one call, a
 * duration, default {@code 50ms}), {@code breaker-failure-rate} (percent, default 50), {@code breaker-window} (calls,
 * default 20), {@code breaker-open} (a duration, default {@code 5s}) and {@code breaker-half-open-calls} (default 5).
 * Start-up checks and the policy store keep their own, longer time-outs and do not count in the breaker.
 */
public final class HazelcastCluster implements ClusterConnection {
    /** The default embedded member configuration, a resource of this jar. */
    public static final String DEFAULT_MEMBER_CONFIG = "dev/sluice/hazelcast/sluice-member-default.yaml";
    /** The default client configuration, a resource of this jar. */
    public static final String DEFAULT_CLIENT_CONFIG = "dev/sluice/hazelcast/sluice-client-default.yaml";
    /** The option naming the cluster. */
    public static final String CLUSTER_NAME_OPTION = "cluster-name";
    /** The option giving the time limit of a request-path call, a duration such as {@code 50ms}. */
    public static final String TIMEOUT_OPTION = ClusterGuard.TIMEOUT;
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastCluster.class);
    /** How long {@link #start} waits for a client's first connection. */
    static final int CLIENT_CONNECT_SECONDS = 30;

    private final HazelcastInstance hazelcast;
    private final boolean ownsInstance;
    private final SystemScheduler ownedScheduler;
    private final HazelcastPolicyStore store;
    private final HazelcastBackend backend;
    private final ExecutorService checker;
    private final HazelcastSketchExchange sketches;
    private final HazelcastAuditStore audit;
    private final HazelcastCandidateStore candidates;
    private final UUID membership;

    private HazelcastCluster(HazelcastInstance hazelcast, boolean ownsInstance, Scheduler scheduler,
            SystemScheduler ownedScheduler, ClusterGuard.Settings guardSettings) {
        this.hazelcast = hazelcast;
        this.ownsInstance = ownsInstance;
        this.ownedScheduler = ownedScheduler;
        this.store = new HazelcastPolicyStore(hazelcast);
        this.backend = new HazelcastBackend(hazelcast, scheduler, store::versionOf, guardSettings);
        this.sketches = new HazelcastSketchExchange(hazelcast, backend.reads());
        this.audit = new HazelcastAuditStore(hazelcast, backend.reads());
        this.candidates = new HazelcastCandidateStore(hazelcast, backend.reads());
        this.checker = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sluice-hazelcast-check");
            thread.setDaemon(true);
            return thread;
        });
        this.membership = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                checker.execute(() -> {
                    String failure = ClusterCheck.check(hazelcast, event.getMember());
                    if (failure != null) {
                        LOG.error("Hazelcast member {} joined but cannot run Sluice's entry processors ({}); "
                                + "cluster-scope limits on keys it owns fail until it runs with Sluice's member jar "
                                + "(sluice-hazelcast-*-member.jar) on its class path",
                                event.getMember().getAddress(), failure);
                    }
                });
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                // the backend drops what the member held
            }
        });
    }

    /**
     * Sluice over an instance the application manages (it is not shut down by {@link #close()}). Its serialization
     * comes from sluice-hazelcast's class-path hooks, or from {@link SluiceSerialization#register} applied to its
     * configuration where Hazelcast does not see those hooks. Blocks while it checks the members (start-up only).
     *
     * @param scheduler every timer of the backend runs on it; "now" comes from its ticker
     * @throws IllegalStateException when the instance or a member lacks Sluice's serializers or classes
     */
    public static HazelcastCluster over(HazelcastInstance hazelcast, Scheduler scheduler) {
        return over(hazelcast, scheduler, Map.of());
    }

    /**
     * As {@link #over(HazelcastInstance, Scheduler)}, with the failure-handling options ({@code timeout},
     * {@code breaker-*}; see the class comment).
     *
     * @throws IllegalArgumentException naming an unknown or bad option
     */
    public static HazelcastCluster over(HazelcastInstance hazelcast, Scheduler scheduler,
            Map<String, String> options) {
        ClusterConfigs.checkOptions(options, ClusterGuard.OPTIONS);
        ClusterGuard.Settings guard = ClusterGuard.Settings.from(options);
        verify(hazelcast);
        return new HazelcastCluster(hazelcast, false, scheduler, null, guard);
    }

    /**
     * Starts an embedded member, or a client, from {@code settings}, and owns it (and a {@link SystemScheduler}).
     * Blocks while it joins or connects and checks the members (start-up only).
     *
     * @throws IllegalArgumentException naming the setting that is wrong
     * @throws IllegalStateException    when the cluster cannot be reached or a member cannot run Sluice's processors
     */
    public static HazelcastCluster start(ClusterSettings settings) {
        ClusterGuard.Settings guard = ClusterConfigs.guardSettings(settings);
        HazelcastInstance instance = settings.mode().equals("client") ? startClient(clientConfig(settings))
                : Hazelcast.newHazelcastInstance(memberConfig(settings));
        SystemScheduler scheduler = new SystemScheduler();
        try {
            verify(instance);
            HazelcastCluster cluster = new HazelcastCluster(instance, true, scheduler, scheduler, guard);
            LOG.info("Sluice joined Hazelcast cluster as {} {} ({} members)", settings.mode(), instance.getName(),
                    instance.getCluster().getMembers().size());
            return cluster;
        } catch (RuntimeException failure) {
            scheduler.close();
            instance.shutdown();
            throw failure;
        }
    }

    /** Starts a client and waits for its first connection; see {@link ClientStart#start}. */
    static HazelcastInstance startClient(ClientConfig config) {
        return ClientStart.start(config, CLIENT_CONNECT_SECONDS);
    }

    private static void verify(HazelcastInstance instance) {
        SplitBrain.awaitMajority(instance, ClusterCheck.TIMEOUT);
        ClusterCheck.verify(instance);
    }

    /**
     * The embedded member configuration Sluice starts: the settings' file or {@value #DEFAULT_MEMBER_CONFIG}, with
     * the settings' join list, port, bound address and cluster name applied, and Sluice's serializers registered.
     * Public so that an application starting its own member can begin from it.
     *
     * @throws IllegalArgumentException naming the setting that is wrong
     */
    public static Config memberConfig(ClusterSettings settings) {
        return ClusterConfigs.member(settings);
    }

    /**
     * The client configuration Sluice connects with: the settings' file or {@value #DEFAULT_CLIENT_CONFIG}, with the
     * settings' member addresses and cluster name applied, and Sluice's serializers registered.
     *
     * @throws IllegalArgumentException naming the setting that is wrong
     */
    public static ClientConfig clientConfig(ClusterSettings settings) {
        return ClusterConfigs.client(settings);
    }

    /** The Hazelcast instance, for applications that use it for more than Sluice. */
    public HazelcastInstance instance() {
        return hazelcast;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public PolicyStore policyStore() {
        return store;
    }

    /** Top-keys snapshots in IMap {@value MapNames#TOP_KEYS}. */
    @Override
    public SketchExchange sketchExchange() {
        return sketches;
    }

    /** The audit in Ringbuffer {@value MapNames#AUDIT}. */
    @Override
    public AuditStore auditStore() {
        return audit;
    }

    /** Candidate policies in IMap {@value HazelcastCandidateStore#MAP}, counts in {@value HazelcastCandidateStore#COUNTS}. */
    @Override
    public CandidateStore candidateStore() {
        return candidates;
    }

    /** Closes the backend and the store; leaves the cluster if this connection started the instance. */
    @Override
    public void close() {
        candidates.close();
        backend.close();
        store.close();
        checker.shutdownNow();
        try {
            hazelcast.getCluster().removeMembershipListener(membership);
        } catch (RuntimeException gone) {
            // the instance is already shut down
        }
        if (ownedScheduler != null) {
            ownedScheduler.close();
        }
        if (ownsInstance) {
            hazelcast.shutdown();
        }
    }
}
