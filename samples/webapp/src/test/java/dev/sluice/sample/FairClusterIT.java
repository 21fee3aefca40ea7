package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fair queues of cluster scope over HTTP, on two nodes (each an embedded Hazelcast member with its own Jetty and
 * SluiceFilter): one tenant floods a shared limit through both nodes, then a light tenant sends two requests
 * through the other. With {@code fair-by} the light tenant's requests take turns with the flood's, whichever node
 * they came through, instead of waiting behind all of it. Turns are a quarter of a second apart (a rate of 4/s, or
 * one permit held 250 ms), so the order of completion is the order of admission. The same two nodes show that
 * requests already waiting in a cluster rate queue, on both nodes, follow a live change made through one of them.
 */
class FairClusterIT {
    private static final String POLICIES = """
            policies:
              - name: fair-rate
                match: { paths: ["/fair/rate/**"] }
                scope: cluster
                rate: { limit: 4, period: 1s, burst: 1 }
                queue: { depth: 40, max-wait: 30s, fair-by: "header:X-Tenant" }
              - name: fair-slots
                match: { paths: ["/fair/slots/**"] }
                scope: cluster
                concurrency: { permits: 1, lease: 1m }
                queue: { depth: 40, max-wait: 30s, fair-by: "header:X-Tenant" }
              - name: live-fifo
                match: { paths: ["/live/fifo/**"] }
                scope: cluster
                rate: { limit: 1, period: 10s, burst: 1 }
                queue: { depth: 10, max-wait: 60s }
              - name: live-fair
                match: { paths: ["/live/fair/**"] }
                scope: cluster
                rate: { limit: 1, period: 10s, burst: 1 }
                queue: { depth: 10, max-wait: 60s, fair-by: "header:X-Tenant" }
            """;
    private static final String TOKEN = "fair-cluster-token";
    private static final int FLOOD = 8;

    private final List<EmbeddedNode> nodes = new ArrayList<>();
    private final Map<String, Long> finished = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        EmbeddedNode.closeAll(nodes);
    }

    private void twoNodes() throws Exception {
        EmbeddedNode.Cluster cluster = EmbeddedNode.Cluster.of("fair", 2, POLICIES, TOKEN);
        nodes.add(cluster.start("node-a", 0));
        nodes.add(cluster.start("node-b", 1));
        nodes.get(1).awaitClusterSafe();   // live changes, not the partitions moving to node-b, are under test
    }

    private CompletableFuture<HttpResponse<String>> send(int node, String path, String tenant, String name) {
        return nodes.get(node).sendAsync(path, "X-Tenant", tenant).whenComplete((response, failure) ->
                finished.put(name, System.nanoTime()));
    }

    /**
     * The flood through both nodes, 50 ms apart, then the light tenant's two through node-b; every request must pass.
     * Returns the names in the order their answers came.
     */
    private List<String> floodThenLight(String path) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 1; i <= FLOOD; i++) {
            all.add(send(i % 2, path, "heavy", "h" + i));
            Thread.sleep(50);
        }
        all.add(send(1, path, "light", "l1"));
        Thread.sleep(50);
        all.add(send(1, path, "light", "l2"));
        for (CompletableFuture<HttpResponse<String>> request : all) {
            HttpResponse<String> response = request.get(60, TimeUnit.SECONDS);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
        List<String> order = new ArrayList<>(finished.keySet());
        order.sort((a, b) -> Long.compare(finished.get(a), finished.get(b)));
        return order;
    }

    private static void assertLightTookTurnsWithTheFlood(List<String> order) {
        // first in first out, both would come last, behind 8 heavy ones; with equal weights each has its own turn
        // a few places after it arrived, so at least three of the flood still come after the second
        int lastLight = Math.max(order.indexOf("l1"), order.indexOf("l2"));
        assertThat(order.size() - 1 - lastLight).as("heavy requests after the light ones in " + order)
                .isGreaterThanOrEqualTo(3);
    }

    @Test
    void aClusterRateQueueLetsTheLightTenantInBetweenTheFloodFromEitherNode() throws Exception {
        twoNodes();
        assertLightTookTurnsWithTheFlood(floodThenLight("/fair/rate/x"));
    }

    @Test
    void aClusterConcurrencyQueueLetsTheLightTenantInBetweenTheFloodFromEitherNode() throws Exception {
        twoNodes();
        assertLightTookTurnsWithTheFlood(floodThenLight("/fair/slots/x?hold=250"));
    }

    /** One request takes the token, then five wait, alternating between the nodes and between two tenants. */
    private List<CompletableFuture<HttpResponse<String>>> fiveWaiting(String path) throws Exception {
        assertThat(nodes.get(0).send("GET", path, null, "X-Tenant", "t0").statusCode()).isEqualTo(200);
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            waiting.add(send(i % 2, path, "t" + i % 2, "w" + i));
            Thread.sleep(50);
        }
        Thread.sleep(300);
        assertThat(waiting).as("one token per 10 s: all wait").noneMatch(CompletableFuture::isDone);
        return waiting;
    }

    private void patch(String policy, String mergePatch) {
        HttpResponse<String> response = nodes.get(0).send("PATCH", "/sluice/policies/" + policy, mergePatch,
                "Authorization", "Bearer " + TOKEN, "Content-Type", "application/merge-patch+json");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "fair"})
    void waitersOnBothNodesLeaveAtOnceWhenTheRateIsRaised(String queue) throws Exception {
        twoNodes();
        List<CompletableFuture<HttpResponse<String>>> waiting = fiveWaiting("/live/" + queue + "/x");

        patch("live-" + queue, "{\"rate\":{\"limit\":50,\"period\":\"1s\"}}");

        // at the old rate the last would leave 50 s from now: within the 20 s bound only if they follow the change
        for (CompletableFuture<HttpResponse<String>> waiter : waiting) {
            assertThat(waiter.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "fair"})
    void waitersOnBothNodesAreRefusedWhenALoweredRateCannotServeThemInTime(String queue) throws Exception {
        twoNodes();
        patch("live-" + queue, "{\"rate\":{\"limit\":1,\"period\":\"5s\"}}");
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        assertThat(nodes.get(0).send("GET", "/live/" + queue + "/x", null, "X-Tenant", "t0").statusCode())
                .isEqualTo(200);
        for (int i = 1; i <= 5; i++) {
            waiting.add(send(i % 2, "/live/" + queue + "/x", "t" + i % 2, "w" + i));
            Thread.sleep(50);
        }

        patch("live-" + queue, "{\"rate\":{\"limit\":1,\"period\":\"10m\"}}");

        // at the old rate they would all pass within 25 s; at one per 10 minutes none can within its 60 s
        for (CompletableFuture<HttpResponse<String>> waiter : waiting) {
            HttpResponse<String> response = waiter.get(20, TimeUnit.SECONDS);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            assertThat(response.body()).contains("\"reason\":\"queue-timeout\"");
            assertThat(response.headers().firstValue("Retry-After")).isPresent();
        }
    }
}
