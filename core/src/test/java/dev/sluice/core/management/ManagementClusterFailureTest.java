package dev.sluice.core.management;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Rate;
import dev.sluice.core.config.Scope;
import dev.sluice.core.local.LocalPolicyStore;
import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.BackendHealth;
import dev.sluice.core.spi.ClusterConnection;
import dev.sluice.core.spi.KeyState;
import dev.sluice.core.spi.LimiterStats;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.spi.PolicyStore;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.core.spi.VersionedPolicy;
import dev.sluice.core.testkit.ManualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A cluster that does not answer: key state that never comes, a reset that fails, a store write that is not
 * acknowledged, a backend that is DOWN. The API answers 504 or 503 problems in bounded time, never 500, and never
 * holds the caller's thread.
 */
class ManagementClusterFailureTest {
    private static final String TOKEN = "cluster-token";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ManualScheduler time = new ManualScheduler();
    private final StalledCluster cluster = new StalledCluster();
    private Sluice sluice;
    private ManagementService service;

    @BeforeEach
    void start() {
        sluice = Sluice.builder().scheduler(time).cluster(cluster).policies(new PolicySet(List.of(
                Policy.builder("local").rate(new Rate(10, Duration.ofSeconds(1))).build(),
                Policy.builder("shared").scope(Scope.CLUSTER).concurrency(new Concurrency(4)).build()))).build();
        service = new ManagementService(sluice, ManagementSettings.builder().token(TOKEN)
                .timeout(Duration.ofMillis(200)).build());
    }

    @AfterEach
    void stop() {
        cluster.writes.countDown();
        service.close();
        sluice.close();
        cluster.close();
    }

    private static JsonNode problem(ManagementResponse answer, int status) {
        assertThat(answer.status()).as(answer.bodyText()).isEqualTo(status);
        assertThat(answer.contentType()).isEqualTo("application/problem+json");
        return JSON.readTree(answer.bodyText());
    }

    @Test
    void keyStateThatNeverComesAnswers504() {
        CompletableFuture<ManagementResponse> answer = service.handle(ManagementCall.get("/policies/shared/keys/a")
                .request());
        assertThat(answer).as("handle returns before the cluster answers").isNotDone();
        assertThat(answer).succeedsWithin(10, TimeUnit.SECONDS);
        JsonNode problem = problem(answer.join(), 504);
        assertThat(problem.get("type").asString()).endsWith(":timeout");
        assertThat(problem.get("detail").asString()).contains("200 ms");
        assertThat(ManagementCall.get("/policies/local/keys/a").send(service).status())
                .as("node-scope keys still answer").isEqualTo(200);
    }

    @Test
    void aResetTheClusterFailsAnswers503() {
        JsonNode problem = problem(ManagementCall.delete("/policies/shared/keys/a").bearer(TOKEN).send(service), 503);
        assertThat(problem.get("type").asString()).endsWith(":backend-unavailable");
        assertThat(problem.get("detail").asString()).contains("shared", "no member answered");
        assertThat(ManagementCall.get("/audit").send(service).bodyText()).doesNotContain("reset-key");
    }

    @Test
    void healthAnswers503WhenABackendIsDown() {
        ManagementResponse answer = ManagementCall.get("/health").send(service);
        assertThat(answer.status()).isEqualTo(503);
        JsonNode health = JSON.readTree(answer.bodyText());
        assertThat(health.get("status").asString()).isEqualTo("DOWN");
        assertThat(health.get("backends")).extracting(backend -> backend.get("backend").asString() + " "
                + backend.get("status").asString()).containsExactly("local UP", "stalled DOWN");
        assertThat(health.get("backends").get(1).get("details").get("members").asInt()).isZero();
    }

    @Test
    void aWriteTheStoreDoesNotAcknowledgeAnswers504AndMayStillApply() throws InterruptedException {
        cluster.holdWrites = true;
        long before = sluice.policyStore().get("local").orElseThrow().version();
        JsonNode problem = problem(ManagementCall.patch("/policies/local").json("{\"rate\":{\"limit\":3}}")
                .bearer(TOKEN).send(service), 504);
        assertThat(problem.get("detail").asString()).contains("may or may not have been applied");

        cluster.writes.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sluice.policyStore().get("local").orElseThrow().version() == before) {
            assertThat(System.nanoTime()).as("the held write lands once the store answers").isLessThan(deadline);
            Thread.sleep(5);
        }
        assertThat(sluice.policyStore().get("local").orElseThrow().policy().rate().limit()).isEqualTo(3);
        // the next write is acknowledged; asked of an API that waits longer than 200 ms, so that a loaded machine
        // (the held write's thread may still be finishing) cannot turn it into a 504
        try (ManagementService patient = new ManagementService(sluice, ManagementSettings.builder().token(TOKEN)
                .timeout(Duration.ofSeconds(10)).build())) {
            assertThat(ManagementCall.patch("/policies/local").json("{\"rate\":{\"limit\":4}}").bearer(TOKEN)
                    .send(patient).status()).isEqualTo(200);
        }
    }

    @Test
    void clusterScopePoliciesCanBeCreatedWhenThereIsACluster() {
        ManagementResponse created = ManagementCall.put("/policies/more").bearer(TOKEN)
                .json("{\"scope\":\"cluster\",\"rate\":{\"limit\":5,\"period\":\"1s\"}}").send(service);
        assertThat(created.status()).as(created.bodyText()).isEqualTo(201);
        assertThat(cluster.bound).contains("more");
    }

    /**
     * A cluster whose backend never answers a key's state, fails resets and reports DOWN, and whose store can hold
     * writes until {@link #writes} is counted down.
     */
    private static final class StalledCluster implements ClusterConnection, Backend {
        final CountDownLatch writes = new CountDownLatch(1);
        final List<String> bound = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean holdWrites;
        private final LocalPolicyStore local = new LocalPolicyStore();
        private final PolicyStore store = new PolicyStore() {
            @Override
            public List<VersionedPolicy> initialize(List<Policy> initial) {
                return local.initialize(initial);
            }

            @Override
            public List<VersionedPolicy> list() {
                return local.list();
            }

            @Override
            public Optional<VersionedPolicy> get(String name) {
                return local.get(name);
            }

            @Override
            public VersionedPolicy put(Policy policy, Long expectedVersion) {
                awaitWrites();
                return local.put(policy, expectedVersion);
            }

            @Override
            public Optional<VersionedPolicy> delete(String name, Long expectedVersion) {
                awaitWrites();
                return local.delete(name, expectedVersion);
            }

            @Override
            public AutoCloseable subscribe(Consumer<List<VersionedPolicy>> listener) {
                return local.subscribe(listener);
            }

            @Override
            public void close() {
                local.close();
            }
        };

        /** As a cluster store waits for its backups; bounded so that a failing test cannot hang the run. */
        private void awaitWrites() {
            try {
                if (holdWrites && !writes.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("writes were never released");
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(interrupted);
            }
        }

        @Override
        public Backend backend() {
            return this;
        }

        @Override
        public PolicyStore policyStore() {
            return store;
        }

        @Override
        public String name() {
            return "stalled";
        }

        @Override
        public PolicyLimiter bind(Policy policy) {
            bound.add(policy.name());
            return new StalledLimiter(policy);
        }

        @Override
        public BackendHealth health() {
            return new BackendHealth("stalled", BackendHealth.Status.DOWN, Map.of("members", 0));
        }

        @Override
        public void close() {
            store.close();
        }
    }

    private static final class StalledLimiter implements PolicyLimiter {
        private volatile Policy policy;

        StalledLimiter(Policy policy) {
            this.policy = policy;
        }

        @Override
        public Policy policy() {
            return policy;
        }

        @Override
        public CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos) {
            return new CompletableFuture<>();
        }

        @Override
        public CompletableFuture<PermitOutcome> acquire(String key, long permits, long maxWaitNanos) {
            return new CompletableFuture<>();
        }

        @Override
        public void reconfigure(Policy next) {
            this.policy = next;
        }

        @Override
        public CompletableFuture<KeyState> state(String key) {
            return new CompletableFuture<>();
        }

        @Override
        public CompletableFuture<Boolean> reset(String key) {
            return CompletableFuture.failedFuture(new IllegalStateException("no member answered within 1s"));
        }

        @Override
        public LimiterStats stats() {
            return LimiterStats.EMPTY;
        }

        @Override
        public void unbind() {
        }
    }
}
