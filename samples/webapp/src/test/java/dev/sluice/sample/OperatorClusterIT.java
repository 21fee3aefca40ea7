package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The operators' reads across a real cluster: three nodes in this JVM, each an embedded Hazelcast member with its own
 * Jetty, SluiceFilter and management servlet, under skewed load. Top keys merge every node's sketch; keys and the
 * audit live in the cluster, the audit outliving the node that took the change.
 *
 * <p>It lives here, with the sample's other cluster tests, because this module has the filter and the Hazelcast
 * provider together; the filter module's own tests run without a cluster provider on the class path.
 */
class OperatorClusterIT {
    private static final String TOKEN = "cluster-operator-token";
    private static final String POLICIES = """
            policies:
              - name: api
                match: { paths: ["/api/**"] }
                key: header:X-Client
                scope: cluster
                rate: { limit: 5, period: 1m }
            """;

    private final List<EmbeddedNode> nodes = new ArrayList<>();
    private EmbeddedNode.Cluster cluster;

    private EmbeddedNode start(String name) throws Exception {
        EmbeddedNode node = cluster.start(name, nodes.size());
        nodes.add(node);
        return node;
    }

    private static void load(EmbeddedNode node, String client, int times) {
        for (int i = 0; i < times; i++) {
            node.send("GET", "/api/x", null, "X-Client", client);
        }
    }

    @AfterEach
    void stop() {
        EmbeddedNode.closeAll(nodes);
    }

    private void members(int count) {
        cluster = EmbeddedNode.Cluster.of("operator", count, POLICIES, TOKEN);
    }

    private static Map<String, Long> estimates(JsonNode top) {
        Map<String, Long> keys = new LinkedHashMap<>();
        for (JsonNode key : top.get("keys")) {
            keys.put(key.get("key").asString(), key.get("estimate").asLong());
        }
        return keys;
    }

    private static Map<String, Long> sum(List<Map<String, Long>> perNode) {
        Map<String, Long> total = new LinkedHashMap<>();
        for (Map<String, Long> node : perNode) {
            node.forEach((key, count) -> total.merge(key, count, Long::sum));
        }
        return total;
    }

    @Test
    void topKeysMergeEveryNodesSketchUnderSkewedLoad() throws Exception {
        members(3);
        EmbeddedNode a = start("node-a");
        EmbeddedNode b = start("node-b");
        EmbeddedNode c = start("node-c");
        // skewed: alice hammers node-a and node-b, dave node-c, bob and carol are light; 5 per key per minute in all
        load(a, "alice", 40);
        load(a, "bob", 10);
        load(b, "alice", 20);
        load(b, "carol", 15);
        load(c, "dave", 30);
        load(c, "bob", 5);

        List<Map<String, Long>> seen = new ArrayList<>();
        System.out.println("Top refused keys of policy 'api' (window 10m), as each node saw them (scope=node):");
        for (EmbeddedNode node : nodes) {
            JsonNode local = node.json("/sluice/policies/api/top?outcome=refused&window=10m&limit=20&scope=node");
            assertThat(local.get("nodes").asInt()).isEqualTo(1);
            seen.add(estimates(local));
            System.out.println("  " + node.name + ": " + local);
        }
        Map<String, Long> expected = sum(seen);
        assertThat(seen.get(0)).containsKeys("alice", "bob").doesNotContainKeys("carol", "dave");
        assertThat(seen.get(2)).containsKey("dave").doesNotContainKeys("alice", "carol");
        assertThat(expected.values().stream().mapToLong(Long::longValue).sum())
                .as("every request beyond 5 per key was refused somewhere").isEqualTo(120 - 4 * 5);

        for (EmbeddedNode node : nodes) {
            JsonNode merged = awaitMerged(node, expected);
            System.out.println("Merged answer from " + node.name + " (GET /policies/api/top?outcome=refused"
                    + "&window=10m&limit=20):");
            System.out.println("  " + merged);
            List<String> order = new ArrayList<>(estimates(merged).keySet());
            assertThat(order.get(0)).isEqualTo("alice");
            assertThat(order).containsExactlyInAnyOrderElementsOf(expected.keySet());
        }
        JsonNode admitted = awaitAdmitted(a);
        assertThat(estimates(admitted).values().stream().mapToLong(Long::longValue).sum()).isEqualTo(4 * 5);

        // a node that leaves drops out of the answer once its last snapshot expires or is withdrawn
        c.close();
        nodes.remove(c);
        JsonNode withoutC = awaitNodes(a, 2);
        assertThat(estimates(withoutC)).doesNotContainKey("dave");
    }

    @Test
    void mergedCountsKeepTheirErrorBoundsWhenManyClientsAreRefusedALittle() throws Exception {
        members(3);
        EmbeddedNode a = start("node-a");
        EmbeddedNode b = start("node-b");
        EmbeddedNode c = start("node-c");
        load(a, "alice", 40);
        load(b, "alice", 20);
        load(c, "dave", 30);
        // 150 clients each refused twice on node-c: more distinct keys than a sketch keeps, so it forgets some
        for (int i = 0; i < 150; i++) {
            load(c, String.format("client-%03d", i), 7);
        }
        Map<String, Long> truth = Map.of("alice", 55L, "dave", 25L);

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode merged = a.json("/sluice/policies/api/top?outcome=refused&window=10m&limit=5");
        while (merged.get("nodes").asInt() < 3 || !estimates(merged).containsKey("dave")) {
            assertThat(System.nanoTime()).as("merged answer in time: " + merged).isLessThan(deadline);
            Thread.sleep(50);
            merged = a.json("/sluice/policies/api/top?outcome=refused&window=10m&limit=5");
        }
        System.out.println("node-c alone, 150 clients refused twice each besides dave: "
                + c.json("/sluice/policies/api/top?outcome=refused&window=10m&limit=5&scope=node"));
        System.out.println("Merged from node-a, with error bounds (true counts: alice 55, dave 25, each client 2): "
                + merged);
        JsonNode keys = merged.get("keys");
        assertThat(keys.get(0).get("key").asString()).isEqualTo("alice");
        assertThat(keys.get(1).get("key").asString()).isEqualTo("dave");
        for (JsonNode key : keys) {
            long lower = key.get("lower").asLong();
            long upper = key.get("upper").asLong();
            long actual = truth.getOrDefault(key.get("key").asString(), 2L);
            assertThat(actual).as(key.toString()).isBetween(lower, upper);
            assertThat(upper).as("node-c's sketch had to forget keys, so the bounds are apart").isGreaterThan(lower);
        }
    }

    private JsonNode awaitMerged(EmbeddedNode node, Map<String, Long> expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = node.json("/sluice/policies/api/top?outcome=refused&window=10m&limit=20");
            if (last.get("nodes").asInt() == 3 && estimates(last).equals(sortedLike(estimates(last), expected))) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(node.name + " never answered the merged counts " + expected + "; last: " + last);
    }

    /** {@code expected} as a map comparable with {@code actual} whatever their orders. */
    private static Map<String, Long> sortedLike(Map<String, Long> actual, Map<String, Long> expected) {
        Map<String, Long> ordered = new LinkedHashMap<>();
        for (String key : actual.keySet()) {
            if (expected.containsKey(key)) {
                ordered.put(key, expected.get(key));
            }
        }
        return ordered.size() == expected.size() ? ordered : expected;
    }

    private JsonNode awaitAdmitted(EmbeddedNode node) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = node.json("/sluice/policies/api/top?outcome=admitted&window=10m");
            if (last.get("nodes").asInt() == 3) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the admitted counts never covered 3 nodes; last: " + last);
    }

    private JsonNode awaitNodes(EmbeddedNode node, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = node.json("/sluice/policies/api/top?outcome=refused");
            if (last.get("nodes").asInt() == count) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("never " + count + " nodes; last: " + last);
    }

    @Test
    void keysAreListedAndTheAuditIsSharedAndOutlivesTheNodeThatTookTheChange() throws Exception {
        members(4);
        EmbeddedNode a = start("node-a");
        EmbeddedNode b = start("node-b");
        EmbeddedNode c = start("node-c");
        load(a, "alice", 2);
        load(b, "bob", 1);
        load(c, "carol", 7);

        List<String> keys = new ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            JsonNode page = b.json("/sluice/policies/api/keys?limit=2" + (next == null ? "" : "&after=" + next));
            for (JsonNode key : page.get("keys")) {
                keys.add(key.get("key").asString());
                assertThat(key.has("tokens")).isTrue();
            }
            next = page.get("next").isNull() ? null : page.get("next").asString();
            pages++;
        } while (next != null && pages < 10);
        assertThat(keys).as("every node's keys, from any node").containsExactly("alice", "bob", "carol");

        HttpResponse<String> patched = a.send("PATCH", "/sluice/policies/api", "{\"rate\":{\"limit\":50}}",
                "Authorization", "Bearer " + TOKEN, "Content-Type", "application/merge-patch+json");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        for (EmbeddedNode node : List.of(a, b, c)) {
            JsonNode entries = node.json("/sluice/audit?policy=api").get("entries");
            assertThat(entries).as(node.name).hasSize(1);
            assertThat(entries.get(0).get("action").asString()).isEqualTo("patch");
            assertThat(entries.get(0).get("after").get("rate").get("limit").asInt()).isEqualTo(50);
        }

        a.close();
        nodes.remove(a);
        EmbeddedNode d = cluster.start("node-d", 3);
        nodes.add(d);
        JsonNode after = d.json("/sluice/audit?policy=api").get("entries");
        System.out.println("Audit read on node-d after node-a (which took the change) left: " + after);
        assertThat(after).hasSize(1);
        assertThat(after.get(0).get("version-before").asLong()).isLessThan(after.get(0).get("version").asLong());
        assertThat(c.json("/sluice/audit").get("entries")).hasSize(1);
    }
}
