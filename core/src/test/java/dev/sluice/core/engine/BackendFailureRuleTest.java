package dev.sluice.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Admission;
import dev.sluice.core.Reason;
import dev.sluice.core.config.BackendFailure;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.Rate;
import dev.sluice.core.config.Scope;
import dev.sluice.core.key.ClientAddress;
import dev.sluice.core.local.LocalBackend;
import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.BackendHealth;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.spi.VersionedPolicy;
import dev.sluice.core.testkit.FailingLimiter;
import dev.sluice.core.testkit.ManualScheduler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's {@code on-backend-failure} rules over a cluster backend that cannot answer (every call fails as a
 * timed-out cluster call does). The cluster backend here is a stand-in: the engine is what is tested.
 */
class BackendFailureRuleTest {
    private final ManualScheduler time = new ManualScheduler();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Unreachable cluster = new Unreachable();
    private final Engine engine = new Engine(new LocalBackend(time), cluster, time, registry, ClientAddress.DIRECT);

    @AfterEach
    void stop() {
        engine.close();
    }

    /** A cluster backend whose calls all time out; its member count and degraded state are set by the test. */
    private static final class Unreachable implements Backend {
        volatile int members = 1;
        volatile boolean degraded;
        volatile long timesDegraded;

        @Override
        public String name() {
            return "unreachable";
        }

        @Override
        public PolicyLimiter bind(Policy policy) {
            return new FailingLimiter(policy, () -> new TimeoutException("cluster call timed out"));
        }

        @Override
        public BackendHealth health() {
            return new BackendHealth(name(), degraded ? BackendHealth.Status.DEGRADED : BackendHealth.Status.UP,
                    Map.of("members", 0));
        }

        @Override
        public int membersLastSeen() {
            return members;
        }

        @Override
        public long timesDegraded() {
            return timesDegraded;
        }

        @Override
        public void close() {
        }
    }

    private long version;

    private void apply(Policy... policies) {
        List<VersionedPolicy> versioned = new java.util.ArrayList<>();
        for (Policy policy : policies) {
            versioned.add(new VersionedPolicy(policy, ++version));
        }
        engine.apply(versioned);
    }

    private Admission decide(String policy, String key) {
        CompletableFuture<Admission> answer = engine.acquire(policy, key, 1, false);
        assertThat(answer).as("decided at once").isDone();
        return answer.join();
    }

    private int admittedOf(int requests, String policy, String key) {
        int admitted = 0;
        for (int i = 0; i < requests; i++) {
            Admission admission = decide(policy, key);
            assertThat(admission.degraded()).isTrue();
            assertThat(admission.headers()).contains(new Admission.Header("Sluice-Degraded", "backend-failure"));
            if (admission.admitted()) {
                admitted++;
                admission.release();
            } else {
                assertThat(admission.reason()).isEqualTo(Reason.RATE);
            }
        }
        return admitted;
    }

    @Test
    void theDecisionTraceSaysWhichFailureRuleDecided() {
        String secret = "a-trace-secret-for-the-test";
        Engine traced = new Engine(new LocalBackend(time), cluster, time, new SimpleMeterRegistry(),
                ClientAddress.DIRECT, dev.sluice.core.DecisionTrace.of(null, secret));
        try {
            cluster.members = 2;
            traced.apply(List.of(
                    new VersionedPolicy(Policy.builder("shared").scope(Scope.CLUSTER).key("header:X-Client")
                            .rate(new Rate(2, Duration.ofHours(1))).build(), 1),
                    new VersionedPolicy(Policy.builder("open").scope(Scope.CLUSTER).key("header:X-Client")
                            .onBackendFailure(BackendFailure.ALLOW).rate(new Rate(2, Duration.ofHours(1))).build(), 2),
                    new VersionedPolicy(Policy.builder("closed").scope(Scope.CLUSTER).key("header:X-Client")
                            .match(new dev.sluice.core.config.Match(List.of("/closed/**"), java.util.Set.of(), List.of()))
                            .onBackendFailure(BackendFailure.DENY).rate(new Rate(2, Duration.ofHours(1))).build(),
                            3)));
            dev.sluice.core.testkit.TestRequest request = dev.sluice.core.testkit.TestRequest.get("/x")
                    .header("X-Client", "alice").header("Sluice-Trace", secret);
            assertThat(trace(traced.admit(request).join())).isEqualTo(
                    "shared;key=\"alice\";outcome=admitted;by=rate;tokens=0;wait-ms=0;via=degraded-local, "
                            + "open;key=\"alice\";outcome=admitted;by=none;wait-ms=0;via=degraded-allow");
            Admission refused = traced.admit(dev.sluice.core.testkit.TestRequest.get("/closed/x")
                    .header("X-Client", "bob").header("Sluice-Trace", secret)).join();
            assertThat(refused.admitted()).isFalse();
            assertThat(trace(refused)).endsWith(
                    "closed;key=\"bob\";outcome=refused;by=backend-failure;wait-ms=0;via=degraded-deny");
            assertThat(trace(traced.admit(request).join())).as("the local share (1 of 2 per hour) is spent")
                    .startsWith("shared;key=\"alice\";outcome=refused;by=rate;tokens=0;wait-ms=0;via=degraded-local");
            assertThat(trace(traced.admit(dev.sluice.core.testkit.TestRequest.get("/x").header("X-Client", "alice")
                    .header("Sluice-Trace", secret.substring(1))).join())).as("a wrong secret").isNull();
        } finally {
            traced.close();
        }
    }

    private static String trace(Admission admission) {
        for (Admission.Header header : admission.headers()) {
            if (header.name().equals("Sluice-Decision")) {
                return header.value();
            }
        }
        return null;
    }

    @Test
    void localDividesByTheMembersLastSeenNotByThoseSeenNow() {
        cluster.members = 4;
        apply(Policy.builder("shared").scope(Scope.CLUSTER).rate(new Rate(8, Duration.ofHours(1))).build());

        assertThat(admittedOf(5, "shared", "a")).as("8 per hour on 4 members").isEqualTo(2);
    }

    @Test
    void theLocalShareFollowsTheMemberCountAndLiveChanges() {
        cluster.members = 4;
        apply(Policy.builder("shared").scope(Scope.CLUSTER).rate(new Rate(8, Duration.ofHours(1))).build());
        assertThat(admittedOf(3, "shared", "a")).isEqualTo(2);

        cluster.members = 2;
        assertThat(admittedOf(6, "shared", "b")).as("8 per hour on 2 members").isEqualTo(4);

        apply(Policy.builder("shared").scope(Scope.CLUSTER).rate(new Rate(20, Duration.ofHours(1))).build());
        assertThat(admittedOf(12, "shared", "c")).as("20 per hour on 2 members").isEqualTo(10);
    }

    @Test
    void localSharesConcurrencyNeverBelowOnePermit() {
        cluster.members = 3;
        apply(Policy.builder("gate").scope(Scope.CLUSTER).concurrency(new Concurrency(2, Duration.ofMinutes(1)))
                .build());

        Admission first = decide("gate", "k");
        Admission second = decide("gate", "k");

        assertThat(first.admitted()).isTrue();
        assertThat(first.degraded()).isTrue();
        assertThat(second.admitted()).isFalse();
        assertThat(second.reason()).isEqualTo(Reason.CONCURRENCY);
        first.release();
        assertThat(decide("gate", "k").admitted()).isTrue();
    }

    @Test
    void allowAdmitsAndDenyRefusesAsABackendFailureBothMarkedDegraded() {
        apply(Policy.builder("open").scope(Scope.CLUSTER).rate(new Rate(1, Duration.ofHours(1)))
                        .onBackendFailure(BackendFailure.ALLOW).build(),
                Policy.builder("closed").scope(Scope.CLUSTER).rate(new Rate(1, Duration.ofHours(1)))
                        .onBackendFailure(BackendFailure.DENY).build());

        for (int i = 0; i < 3; i++) {
            Admission open = decide("open", "k");
            assertThat(open.admitted()).isTrue();
            assertThat(open.degraded()).isTrue();
            open.release();
        }
        Admission closed = decide("closed", "k");
        assertThat(closed.admitted()).isFalse();
        assertThat(closed.reason()).isEqualTo(Reason.BACKEND_FAILURE);
        assertThat(closed.status()).isEqualTo(503);
        assertThat(closed.retryAfterSeconds()).isEqualTo(1);
        assertThat(closed.degraded()).isTrue();
        assertThat(registry.get("sluice.backend.failures").tag("policy", "open").counter().count()).isEqualTo(3);
    }

    @Test
    void theBackendsDegradedStateIsAGaugeAndItsEntriesACounter() {
        assertThat(registry.get("sluice.backend.degraded").tag("backend", "unreachable").gauge().value()).isZero();

        cluster.degraded = true;
        cluster.timesDegraded = 2;

        assertThat(registry.get("sluice.backend.degraded").gauge().value()).isEqualTo(1);
        assertThat(registry.get("sluice.backend.degraded.entered").functionCounter().count()).isEqualTo(2);
        engine.close();
        assertThat(registry.find("sluice.backend.degraded").gauge()).isNull();
    }
}
