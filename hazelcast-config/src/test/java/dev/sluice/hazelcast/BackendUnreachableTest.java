package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.HazelcastInstance;
import dev.sluice.core.Admission;
import dev.sluice.core.Reason;
import dev.sluice.core.config.BackendFailure;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.Rate;
import dev.sluice.core.config.Scope;
import dev.sluice.core.engine.Engine;
import dev.sluice.core.key.ClientAddress;
import dev.sluice.core.local.LocalBackend;
import dev.sluice.core.spi.BackendHealth;
import dev.sluice.core.spi.ClusterSettings;
import dev.sluice.core.spi.VersionedPolicy;
import dev.sluice.core.time.SystemScheduler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Sluice node in client mode whose whole cluster is shut down, then started again on the same addresses; and an
 * embedded member whose peers are terminated. Decisions go through the engine, as a filter's would. The time limit is
 * 200 ms here (50 ms by default) and the latency bound 2 s: generous, so that a busy shared machine does not fail a
 * healthy call; they show that no answer waits for the cluster, not how fast the answer is.
 */
class BackendUnreachableTest {
    private static final Logger LOG = LoggerFactory.getLogger(BackendUnreachableTest.class);
    private static final long ANSWER_BOUND_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final String TIME_LIMIT = "200ms";

    private TestCluster cluster;
    private HazelcastCluster node;
    private SystemScheduler time;
    private Engine engine;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        if (node != null) {
            node.close();
        }
        if (time != null) {
            time.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Policy.Builder clusterPolicy(String name, BackendFailure onFailure) {
        return Policy.builder(name).scope(Scope.CLUSTER).onBackendFailure(onFailure);
    }

    /** An engine over the connection, fed by its policy store as Sluice feeds it. */
    private void startEngine(HazelcastCluster connection, Policy... policies) {
        time = time == null ? new SystemScheduler() : time;
        engine = new Engine(new LocalBackend(time), connection.backend(), time, registry, ClientAddress.DIRECT);
        engine.apply(connection.policyStore().initialize(List.of(policies)));
        connection.policyStore().subscribe(engine::apply);
    }

    /** One decision, its latency checked against the bound. */
    private Admission decide(String policy, String key) throws Exception {
        long start = System.nanoTime();
        Admission admission = engine.acquire(policy, key, 1, false).get(10, TimeUnit.SECONDS);
        long took = System.nanoTime() - start;
        assertThat(took).as("answer time of %s in ns", policy).isLessThan(ANSWER_BOUND_NANOS);
        slowest = Math.max(slowest, took);
        return admission;
    }

    private long slowest;

    /** One decision, released at once. */
    private void passThrough(String policy) {
        try {
            decide(policy, "k").release();
        } catch (Exception failure) {
            throw new AssertionError(failure);
        }
    }

    private static void eventually(String what, Duration bound, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private double degradedGauge() {
        return registry.get("sluice.backend.degraded").gauge().value();
    }

    @Test
    void aClientWhoseClusterStopsAppliesEachFailureRuleInTimeAndRecoversWhenItReturns() throws Exception {
        cluster = TestCluster.of(2);
        node = HazelcastCluster.start(new ClusterSettings("client", null, cluster.addresses(), null, null,
                Map.of(HazelcastCluster.CLUSTER_NAME_OPTION, cluster.name, HazelcastCluster.TIMEOUT_OPTION, TIME_LIMIT,
                        "breaker-open", "1s")));
        startEngine(node,
                clusterPolicy("shared", BackendFailure.LOCAL).rate(new Rate(10, Duration.ofHours(1))).build(),
                clusterPolicy("open", BackendFailure.ALLOW).concurrency(new Concurrency(1, Duration.ofMinutes(1)))
                        .build(),
                clusterPolicy("closed", BackendFailure.DENY).rate(new Rate(1000, Duration.ofSeconds(1))).build());
        HazelcastBackend backend = (HazelcastBackend) node.backend();

        eventually("the node decides through the cluster", Duration.ofSeconds(30), () -> {
            passThrough("closed");
            return backend.health().status() == BackendHealth.Status.UP;
        });
        assertThat(backend.membersLastSeen()).isEqualTo(2);
        assertThat(degradedGauge()).isZero();
        double enteredBefore = registry.get("sluice.backend.degraded.entered").functionCounter().count();

        for (HazelcastInstance member : cluster.members) {
            member.getLifecycleService().terminate();
        }
        cluster.members.clear();

        // local: the rate of 10 divided by the 2 members seen while healthy: 5 admitted, then refused
        int admitted = 0;
        for (int i = 0; i < 8; i++) {
            Admission local = decide("shared", "k");
            assertThat(local.degraded()).isTrue();
            assertThat(local.headers()).contains(new Admission.Header("Sluice-Degraded", "backend-failure"));
            if (local.admitted()) {
                admitted++;
            } else {
                assertThat(local.reason()).isEqualTo(Reason.RATE);
            }
        }
        assertThat(admitted).as("the local share of 10 per hour on 2 members").isEqualTo(5);

        // allow: admitted beyond the 1 permit, holding nothing in the cluster
        List<Admission> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Admission open = decide("open", "k");
            assertThat(open.admitted()).isTrue();
            assertThat(open.degraded()).isTrue();
            held.add(open);
        }
        held.forEach(Admission::release);

        // deny: refused as a backend failure
        for (int i = 0; i < 3; i++) {
            Admission closed = decide("closed", "k");
            assertThat(closed.admitted()).isFalse();
            assertThat(closed.reason()).isEqualTo(Reason.BACKEND_FAILURE);
            assertThat(closed.status()).isEqualTo(503);
            assertThat(closed.degraded()).isTrue();
        }

        BackendHealth down = backend.health();
        assertThat(down.status()).isEqualTo(BackendHealth.Status.DEGRADED);
        assertThat(down.details()).containsKeys("breaker", "degraded-since", "last-failure");
        assertThat(degradedGauge()).isEqualTo(1.0);
        assertThat(registry.get("sluice.backend.degraded.entered").functionCounter().count())
                .as("entered degraded mode once, however many requests failed").isEqualTo(enteredBefore + 1);
        LOG.info("Cluster gone: slowest answer {} ms, health {}", slowest / 1_000_000, down.details());

        long restart = System.nanoTime();
        cluster.members.add(cluster.startMember(0));
        cluster.members.add(cluster.startMember(1));
        long membersUp = System.nanoTime();
        eventually("decisions go through the cluster again", Duration.ofSeconds(60), () -> {
            try {
                Admission again = decide("closed", "k");
                again.release();
                return again.admitted() && !again.degraded();
            } catch (Exception failure) {
                throw new AssertionError(failure);
            }
        });
        long recovered = System.nanoTime();
        // the breaker closes after its probes, so health follows the traffic
        eventually("health is UP again", Duration.ofSeconds(10), () -> {
            passThrough("closed");
            return backend.health().status() == BackendHealth.Status.UP;
        });
        assertThat(degradedGauge()).isZero();
        LOG.info("Recovery: members restarted in {} ms, decisions through the cluster {} ms after the restart began "
                + "({} ms after the members were up); slowest answer {} ms",
                (membersUp - restart) / 1_000_000, (recovered - restart) / 1_000_000,
                (recovered - membersUp) / 1_000_000, slowest / 1_000_000);

        eventually("the restarted cluster holds the policies again", Duration.ofSeconds(10),
                () -> node.policyStore().list().stream().map(VersionedPolicy::name).toList()
                        .equals(List.of("shared", "open", "closed")));
        assertThat(engine.policies()).extracting(VersionedPolicy::name).containsExactly("shared", "open", "closed");

        // after recovery the permit is counted once, in the cluster again
        Admission first = decide("open", "k");
        assertThat(first.admitted()).isTrue();
        assertThat(first.degraded()).isFalse();
        Admission second = decide("open", "k");
        assertThat(second.admitted()).isFalse();
        assertThat(second.reason()).isEqualTo(Reason.CONCURRENCY);
        first.release();
        eventually("the permit comes back", Duration.ofSeconds(10), () -> {
            try {
                Admission third = decide("open", "k");
                third.release();
                return third.admitted() && !third.degraded();
            } catch (Exception failure) {
                throw new AssertionError(failure);
            }
        });
    }

    @Test
    void anEmbeddedMemberLeftAloneOfThreeIsAMinorityAndFollowsItsRule() throws Exception {
        cluster = TestCluster.of(3);
        time = new SystemScheduler();
        node = HazelcastCluster.over(cluster.members.get(0), time,
                Map.of(HazelcastCluster.TIMEOUT_OPTION, TIME_LIMIT));
        startEngine(node, clusterPolicy("gate", BackendFailure.LOCAL)
                .concurrency(new Concurrency(3, Duration.ofMinutes(1))).build());
        HazelcastBackend backend = (HazelcastBackend) node.backend();
        assertThat(backend.membersLastSeen()).isEqualTo(3);

        long split = System.nanoTime();
        cluster.members.get(1).getLifecycleService().terminate();
        cluster.members.get(2).getLifecycleService().terminate();

        // every answer comes in time; once the survivor sees it is alone, it knows it is a minority of the three it
        // last saw and decides by its rule, a local share of 3 / 3 = 1 permit, instead of acting as the cluster
        eventually("the survivor sees it is a minority", Duration.ofSeconds(60), () -> {
            passThrough("gate");
            return cluster.members.get(0).getCluster().getMembers().size() == 1
                    && !SplitBrain.hasMajority(cluster.members.get(0));
        });
        long alone = System.nanoTime();
        Admission one = decide("gate", "k");
        Admission two = decide("gate", "k");
        assertThat(one.admitted()).isTrue();
        assertThat(one.degraded()).isTrue();
        assertThat(two.admitted()).isFalse();
        assertThat(two.degraded()).isTrue();
        one.release();
        assertThat(backend.membersLastSeen()).isEqualTo(3);
        assertThat(backend.health().status()).isEqualTo(BackendHealth.Status.DEGRADED);
        assertThat(backend.health().details()).containsEntry("majority", false);
        LOG.info("Split: the survivor knew it was a minority {} ms after its peers were terminated; slowest answer "
                + "{} ms", (alone - split) / 1_000_000, slowest / 1_000_000);
    }

    @Test
    void withoutSplitBrainProtectionAnEmbeddedMemberWhosePeersAreTerminatedActsAsTheCluster() throws Exception {
        cluster = TestCluster.of(3, Map.of(SplitBrain.OPTION, "off"));
        time = new SystemScheduler();
        node = HazelcastCluster.over(cluster.members.get(0), time,
                Map.of(HazelcastCluster.TIMEOUT_OPTION, TIME_LIMIT));
        startEngine(node, clusterPolicy("gate", BackendFailure.DENY)
                .concurrency(new Concurrency(2, Duration.ofMinutes(1))).build());
        HazelcastBackend backend = (HazelcastBackend) node.backend();
        assertThat(backend.membersLastSeen()).isEqualTo(3);

        long split = System.nanoTime();
        cluster.members.get(1).getLifecycleService().terminate();
        cluster.members.get(2).getLifecycleService().terminate();

        // every answer comes in time, whatever it is; then the survivor serves alone, through its own partitions
        eventually("the survivor decides through the cluster alone", Duration.ofSeconds(60), () -> {
            try {
                Admission admission = decide("gate", "k");
                admission.release();
                return admission.admitted() && !admission.degraded();
            } catch (Exception failure) {
                throw new AssertionError(failure);
            }
        });
        long alone = System.nanoTime();
        eventually("health is UP with one member", Duration.ofSeconds(10), () -> {
            passThrough("gate");
            return backend.health().status() == BackendHealth.Status.UP && backend.membersLastSeen() == 1;
        });
        Admission one = decide("gate", "k");
        Admission two = decide("gate", "k");
        Admission three = decide("gate", "k");
        assertThat(List.of(one.admitted(), two.admitted(), three.admitted())).containsExactly(true, true, false);
        assertThat(three.reason()).isEqualTo(Reason.CONCURRENCY);
        one.release();
        two.release();
        LOG.info("Split: the survivor decided through the cluster alone {} ms after its peers were terminated; "
                + "slowest answer {} ms", (alone - split) / 1_000_000, slowest / 1_000_000);
    }
}
