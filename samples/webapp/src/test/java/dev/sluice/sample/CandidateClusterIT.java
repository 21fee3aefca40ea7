package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Candidate policies across a real cluster: two nodes in this JVM, each an embedded Hazelcast member with its own
 * Jetty, SluiceFilter and management servlet. A candidate written on one node is evaluated by the other on its own
 * requests (with its share of a cluster-scope limit), both nodes report the cluster's 2x2 and the keys only the
 * candidate refused (sketched on each node, merged), and promotion and deletion on one node reach the other.
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

    private final List<EmbeddedNode> nodes = new ArrayList<>();

    private List<EmbeddedNode> twoNodes() throws Exception {
        EmbeddedNode.Cluster cluster = EmbeddedNode.Cluster.of("candidate", 2, POLICIES, TOKEN);
        nodes.add(cluster.start("node-a", 0));
        nodes.add(cluster.start("node-b", 1));
        return nodes;
    }

    private static void load(EmbeddedNode node, String client, int times) {
        for (int i = 0; i < times; i++) {
            HttpResponse<String> response = node.send("GET", "/api/x", null, "X-Client", client);
            assertThat(response.statusCode()).as(node.name + ": the live policy admits every request").isEqualTo(200);
        }
    }

    @AfterEach
    void stop() {
        EmbeddedNode.closeAll(nodes);
    }

    private static long onlyCandidate(JsonNode report) {
        return report.get("decisions").get("only-candidate-refuses").asLong();
    }

    /**
     * Every decision the report counts. A candidate decides on a side branch of the live decision, so a request's
     * response can come before its candidate decision is counted (the first request of a key, whose live decision
     * goes to the cluster): the test waits for all of them before it looks at how they split.
     */
    private static long counted(JsonNode report) {
        long sum = 0;
        for (JsonNode cell : report.get("decisions")) {
            sum += cell.asLong();
        }
        return sum;
    }

    @Test
    void aCandidateWrittenOnOneNodeIsEvaluatedByTheOtherAndReportedForTheCluster() throws Exception {
        List<EmbeddedNode> cluster = twoNodes();
        EmbeddedNode a = cluster.get(0);
        EmbeddedNode b = cluster.get(1);
        HttpResponse<String> put = a.send("PATCH", "/sluice/policies/api/candidate",
                "{\"rate\":{\"limit\":4},\"expires\":\"10m\"}", "Authorization", "Bearer " + TOKEN,
                "Content-Type", "application/merge-patch+json");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        b.await("/sluice/policies/api/candidate", 200, report -> true);

        // node-b's share of the candidate's 4 per minute is 2 per key
        load(b, "alice", 5);
        JsonNode onB = b.await("/sluice/policies/api/candidate", 200, report -> counted(report) == 5);
        assertThat(onlyCandidate(onB)).as(onB.toString()).isEqualTo(3);
        assertThat(onB.get("decisions").get("both-admit").asLong()).as(onB.toString()).isEqualTo(2);
        assertThat(onB.get("candidate-only-keys").get(0).get("key").asString()).isEqualTo("alice");

        load(a, "alice", 3);
        JsonNode onA = a.await("/sluice/policies/api/candidate", 200, report -> counted(report) == 8);
        assertThat(onlyCandidate(onA)).as(onA.toString()).isEqualTo(4);
        assertThat(onA.get("decisions").get("both-admit").asLong()).as(onA.toString()).isEqualTo(4);
        assertThat(onA.get("nodes")).hasSize(2);
        JsonNode merged = b.await("/sluice/policies/api/candidate", 200, report -> counted(report) == 8
                && report.get("nodes").size() == 2);
        assertThat(onlyCandidate(merged)).as(merged.toString()).isEqualTo(4);
        assertThat(merged.get("candidate-only-keys-counted").get("method").asString())
                .as("the live policy keeps top-keys sketches").isEqualTo("sketch");
        JsonNode alice = merged.get("candidate-only-keys").get(0);
        assertThat(alice.get("key").asString()).isEqualTo("alice");
        assertThat(List.of(alice.get("lower").asLong(), alice.get("upper").asLong()))
                .as("node-b's 3 and node-a's 1, merged as sketches are").containsExactly(4L, 4L);
        String metrics = b.send("GET", "/sluice/metrics", null).body();
        assertThat(metrics).as("each node's metric counts its own decisions")
                .contains("sluice_candidate_decisions_total{candidate=\"refuse\",live=\"admit\",policy=\"api\"} 3.0");

    }

    @Test
    void promotionAndDeletionOnOneNodeReachTheOther() throws Exception {
        List<EmbeddedNode> cluster = twoNodes();
        EmbeddedNode a = cluster.get(0);
        EmbeddedNode b = cluster.get(1);
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
        load(b, "bob", 3);
        assertThat(b.send("GET", "/sluice/metrics", null).body()).as("node-b no longer evaluates it")
                .doesNotContain("sluice_candidate_decisions_total{");
    }
}
