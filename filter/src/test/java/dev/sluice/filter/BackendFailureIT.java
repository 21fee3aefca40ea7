package dev.sluice.filter;

import static dev.sluice.filter.Policies.paths;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.BackendFailure;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Rate;
import dev.sluice.core.config.Scope;
import dev.sluice.core.local.LocalPolicyStore;
import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.BackendHealth;
import dev.sluice.core.spi.ClusterConnection;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.spi.PolicyStore;
import dev.sluice.core.testkit.FailingLimiter;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the filter answers when the cluster cannot: cluster-scope policies over a cluster backend whose every call
 * fails, as calls do once the cluster is gone (the Hazelcast side of that is shown in sluice-hazelcast's
 * {@code BackendUnreachableTest}; this module's tests run without sluice-hazelcast on purpose). Each rule's answer
 * reaches the client with {@code Sluice-Degraded}, and no exception reaches the application or the container.
 */
class BackendFailureIT {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Sluice sluice;
    private TestServer server;

    /** A cluster backend that cannot reach its cluster: every call fails. */
    private static final class UnreachableCluster implements ClusterConnection, Backend {
        private final PolicyStore store = new LocalPolicyStore();

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
            return "unreachable";
        }

        @Override
        public BackendHealth health() {
            return new BackendHealth(name(), BackendHealth.Status.DEGRADED, Map.of("breaker", "OPEN"));
        }

        @Override
        public PolicyLimiter bind(Policy policy) {
            return new FailingLimiter(policy, () -> new ConnectException("no connection to the cluster"));
        }

        @Override
        public void close() {
        }
    }

    @BeforeEach
    void start() throws Exception {
        sluice = Sluice.builder().cluster(new UnreachableCluster()).policies(new PolicySet(List.of(
                Policy.builder("closed").match(paths("/deny/**")).scope(Scope.CLUSTER)
                        .rate(new Rate(100, Duration.ofSeconds(1))).onBackendFailure(BackendFailure.DENY).build(),
                Policy.builder("open").match(paths("/allow/**")).scope(Scope.CLUSTER)
                        .rate(new Rate(1, Duration.ofHours(1))).onBackendFailure(BackendFailure.ALLOW).build(),
                Policy.builder("shared").match(paths("/local/**")).scope(Scope.CLUSTER)
                        .rate(new Rate(2, Duration.ofHours(1))).onBackendFailure(BackendFailure.LOCAL).build())))
                .build();
        server = TestServer.start(new SluiceFilter(sluice));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        sluice.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void denyAnswers503BackendFailureMarkedDegraded() throws Exception {
        HttpResponse<String> response = get("/deny/ok");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Sluice-Degraded")).contains("backend-failure");
        assertThat(response.headers().firstValue("Retry-After")).contains("1");
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(response.body()).contains("\"type\":\"urn:sluice:problem:backend-failure\"")
                .contains("\"policy\":\"closed\"");
        assertThat(server.app.invocations).hasValue(0);
    }

    @Test
    void allowLetsEveryRequestThroughMarkedDegraded() throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> response = get("/allow/ok");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Sluice-Degraded")).contains("backend-failure");
        }
        assertThat(server.app.invocations).hasValue(3);
    }

    @Test
    void localEnforcesThisNodesShareMarkedDegraded() throws Exception {
        HttpResponse<String> first = get("/local/ok");
        HttpResponse<String> second = get("/local/ok");
        HttpResponse<String> third = get("/local/ok");

        assertThat(List.of(first.statusCode(), second.statusCode(), third.statusCode())).containsExactly(200, 200, 429);
        for (HttpResponse<String> response : List.of(first, second, third)) {
            assertThat(response.headers().firstValue("Sluice-Degraded")).contains("backend-failure");
        }
        assertThat(server.app.invocations).hasValue(2);
    }
}
