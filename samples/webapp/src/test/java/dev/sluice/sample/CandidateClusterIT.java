package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.PolicyParser;
import dev.sluice.core.spi.ClusterSettings;
import dev.sluice.core.testkit.Ports;
import dev.sluice.filter.SluiceFilter;
import dev.sluice.filter.SluiceManagementServlet;
import dev.sluice.hazelcast.HazelcastCluster;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Candidate policies across a real cluster: two nodes in this JVM, each an embedded Hazelcast member with its own
 * Jetty, SluiceFilter and management servlet. A candidate written on one node is evaluated by the other on its own
 * requests (with its share of a cluster-scope limit), both nodes report the cluster's 2x2, and promotion and
 * deletion on one node reach the other.
 */
class CandidateClusterIT {
    private static final String TOKEN = "cluster-candidate-token";
    private static final String POLICIES = """
            policies:
              - name: api
                match: { paths: ["/api/**"] }
                key: header:X-Client
                scope: cluster
                rate: { limit: 100, period: 1m }
            """;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String clusterName = "candidate-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Integer> memberPorts = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One Sluice node: a Hazelcast member, the engine, and Jetty serving the filter and the management API. */
    private final class Node implements AutoCloseable {
        final String name;
        final HazelcastCluster cluster;
        final Sluice sluice;
        final Server server;
        final int port;

        Node(String name, int memberPort) throws Exception {
            this.name = name;
            List<String> members = new ArrayList<>();
            for (int peer : memberPorts) {
                members.add("127.0.0.1:" + peer);
            }
            cluster = HazelcastCluster.start(new ClusterSettings("embedded", null, members, memberPort, "127.0.0.1",
                    Map.of(HazelcastCluster.CLUSTER_NAME_OPTION, clusterName, HazelcastCluster.TIMEOUT_OPTION, "5s")));
            sluice = Sluice.builder().policies(new PolicyParser().parse(POLICIES, "test")).cluster(cluster)
                    .topKeysInterval(Duration.ofMillis(200)).build();
            server = new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            ServletContextHandler context = new ServletContextHandler("/");
            FilterHolder filter = new FilterHolder(new SluiceFilter(sluice));
            filter.setAsyncSupported(true);
            context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
            ServletHolder management = new ServletHolder(SluiceManagementServlet.class);
            management.setAsyncSupported(true);
            management.setInitParameter("token", TOKEN);
            context.addServlet(management, "/sluice/*");
            context.addServlet(new ServletHolder(new Ok()), "/*");
            server.setHandler(context);
            server.start();
            port = connector.getLocalPort();
        }

        HttpResponse<String> send(String method, String path, String body, String... headers) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(20))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body));
            for (int i = 0; i < headers.length; i += 2) {
                request.header(headers[i], headers[i + 1]);
            }
            try {
                return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException | InterruptedException failure) {
                throw new AssertionError(name + ": " + method + " " + path + " failed", failure);
            }
        }

        /** Waits (at most {@link #WAIT}) until GET {@code path} answers {@code status} with a body {@code until} likes. */
        JsonNode await(String path, int status, Predicate<JsonNode> until) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                HttpResponse<String> response = send("GET", path, null);
                if (response.statusCode() == status && until.test(JSON.readTree(response.body()))) {
                    return JSON.readTree(response.body());
                }
                assertThat(System.nanoTime()).as(name + " " + path + " in time; last answer " + response.statusCode()
                        + " " + response.body()).isLessThan(deadline);
                Thread.sleep(50);
            }
        }

        void load(String client, int times) {
            for (int i = 0; i < times; i++) {
                HttpResponse<String> response = send("GET", "/api/x", null, "X-Client", client);
                assertThat(response.statusCode()).as(name + ": the live policy admits every request").isEqualTo(200);
            }
        }

        @Override
        public void close() throws Exception {
            try {
                server.stop();
            } finally {
                sluice.close();
                cluster.close();
            }
        }
    }

    private static final class Ok extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.getWriter().write("ok");
        }
    }

    private List<Node> twoNodes() throws Exception {
        memberPorts.add(Ports.freeMemberPort());
        memberPorts.add(Ports.freeMemberPort());
        nodes.add(new Node("node-a", memberPorts.get(0)));
        nodes.add(new Node("node-b", memberPorts.get(1)));
        return nodes;
    }

    @AfterEach
    void stop() {
        for (Node node : nodes) {
            try {
                node.close();
            } catch (Exception alreadyStopped) {
                // stopped by the test
            }
        }
    }

    private static long onlyCandidate(JsonNode report) {
        return report.get("decisions").get("only-candidate-refuses").asLong();
    }

    @Test
    void aCandidateWrittenOnOneNodeIsEvaluatedByTheOtherAndReportedForTheCluster() throws Exception {
        List<Node> cluster = twoNodes();
        Node a = cluster.get(0);
        Node b = cluster.get(1);
        HttpResponse<String> put = a.send("PATCH", "/sluice/policies/api/candidate",
                "{\"rate\":{\"limit\":4},\"expires\":\"10m\"}", "Authorization", "Bearer " + TOKEN,
                "Content-Type", "application/merge-patch+json");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        b.await("/sluice/policies/api/candidate", 200, report -> true);

        // node-b's share of the candidate's 4 per minute is 2 per key
        b.load("alice", 5);
        JsonNode onB = b.await("/sluice/policies/api/candidate", 200, report -> onlyCandidate(report) == 3);
        assertThat(onB.get("decisions").get("both-admit").asLong()).isEqualTo(2);
        assertThat(onB.get("candidate-only-keys").get(0).get("key").asString()).isEqualTo("alice");

        a.load("alice", 3);
        JsonNode onA = a.await("/sluice/policies/api/candidate", 200, report -> onlyCandidate(report) == 4);
        assertThat(onA.get("decisions").get("both-admit").asLong()).isEqualTo(4);
        assertThat(onA.get("nodes")).hasSize(2);
        b.await("/sluice/policies/api/candidate", 200, report -> onlyCandidate(report) == 4
                && report.get("nodes").size() == 2);
        String metrics = b.send("GET", "/sluice/metrics", null).body();
        assertThat(metrics).as("each node's metric counts its own decisions")
                .contains("sluice_candidate_decisions_total{candidate=\"refuse\",live=\"admit\",policy=\"api\"} 3.0");

    }

    @Test
    void promotionAndDeletionOnOneNodeReachTheOther() throws Exception {
        List<Node> cluster = twoNodes();
        Node a = cluster.get(0);
        Node b = cluster.get(1);
        assertThat(a.send("PATCH", "/sluice/policies/api/candidate", "{\"rate\":{\"limit\":7}}",
                "Authorization", "Bearer " + TOKEN, "Content-Type", "application/merge-patch+json").statusCode())
                .isEqualTo(201);
        String etag = a.send("GET", "/sluice/policies/api", null).headers().firstValue("ETag").orElseThrow();
        b.await("/sluice/policies/api/candidate", 200, report -> true);

        HttpResponse<String> promoted = b.send("POST", "/sluice/policies/api/candidate/promote", null,
                "Authorization", "Bearer " + TOKEN, "If-Match", etag);
        assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
        a.await("/sluice/policies/api", 200,
                policy -> policy.get("definition").get("rate").get("limit").asLong() == 7);
        a.await("/sluice/policies/api/candidate", 404, problem -> true);
        JsonNode audit = JSON.readTree(a.send("GET", "/sluice/audit?policy=api&limit=1", null).body());
        assertThat(audit.get("entries").get(0).get("action").asString()).isEqualTo("promote");

        assertThat(b.send("PATCH", "/sluice/policies/api/candidate", "{\"rate\":{\"limit\":1}}",
                "Authorization", "Bearer " + TOKEN, "Content-Type", "application/merge-patch+json").statusCode())
                .isEqualTo(201);
        a.await("/sluice/policies/api/candidate", 200, report -> true);
        assertThat(a.send("DELETE", "/sluice/policies/api/candidate", null, "Authorization", "Bearer " + TOKEN)
                .statusCode()).isEqualTo(204);
        b.await("/sluice/policies/api/candidate", 404, problem -> true);
        b.load("bob", 3);
        assertThat(b.send("GET", "/sluice/metrics", null).body()).as("node-b no longer evaluates it")
                .doesNotContain("sluice_candidate_decisions_total{");
    }
}
