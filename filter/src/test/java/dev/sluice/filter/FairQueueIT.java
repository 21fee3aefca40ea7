package dev.sluice.filter;

import static dev.sluice.filter.Policies.paths;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.PolicyFigures;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.KeyExpression;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A concurrency queue with {@code fair-by}: one permit, one tenant floods the line, others send a few. With one
 * permit the application serves the waiters one at a time, so the order it sees is the order the queue admits.
 */
class FairQueueIT {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Sluice sluice;
    private TestServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (sluice != null) {
            sluice.close();
        }
    }

    private void start(Map<String, Integer> weights, int flowDepth) throws Exception {
        sluice = Policies.sluice(Policy.builder("shared")
                .match(paths("/q/**"))
                .concurrency(new Concurrency(1))
                .queue(new QueueLimit(50, Duration.ofMinutes(1), KeyExpression.parse("header:X-Tenant"), weights, 1,
                        flowDepth))
                .build());
        server = TestServer.start(new SluiceFilter(sluice));
    }

    private CompletableFuture<HttpResponse<String>> send(String tenant, String id) {
        return client.sendAsync(HttpRequest.newBuilder(server.uri("/q/" + (id == null ? "gate" : "ok?id=" + id)))
                .header("X-Tenant", tenant).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private PolicyFigures figures() {
        return sluice.figures("shared").orElseThrow();
    }

    /** Queues the requests one after the other (each once the previous waits): tenant and id per pair. */
    private List<CompletableFuture<HttpResponse<String>>> queue(String... tenantsAndIds) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 0; i < tenantsAndIds.length; i += 2) {
            waiting.add(send(tenantsAndIds[i], tenantsAndIds[i + 1]));
            long queued = i / 2 + 1;
            Await.until(() -> figures().queued() == queued, queued + " queued");
        }
        return waiting;
    }

    private void holdThePermit() throws Exception {
        send("heavy", null);
        server.app.awaitParked(1);
    }

    private void releaseAndAwait(List<CompletableFuture<HttpResponse<String>>> waiting) throws Exception {
        server.app.openGate();
        for (CompletableFuture<HttpResponse<String>> waiter : waiting) {
            assertThat(waiter.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void lightTenantsAreServedBetweenTheFloodNotAfterIt() throws Exception {
        start(Map.of(), 50);
        holdThePermit();
        List<CompletableFuture<HttpResponse<String>>> waiting = queue(
                "heavy", "h1", "heavy", "h2", "heavy", "h3", "heavy", "h4", "heavy", "h5", "heavy", "h6",
                "light", "l1", "other", "o1", "light", "l2");

        releaseAndAwait(waiting);

        // equal weights: each flow's n-th request has the same turn; FIFO inside each flow
        assertThat(server.app.served).containsExactly("h1", "l1", "o1", "h2", "l2", "h3", "h4", "h5", "h6");
    }

    @Test
    void aHeavierWeightGetsMoreTurns() throws Exception {
        start(Map.of("gold", 4), 50);
        holdThePermit();
        List<CompletableFuture<HttpResponse<String>>> waiting = queue(
                "heavy", "h1", "heavy", "h2", "heavy", "h3",
                "gold", "g1", "gold", "g2", "gold", "g3", "gold", "g4", "gold", "g5");

        releaseAndAwait(waiting);

        // weight 4 against 1: four gold requests for each heavy one while both wait
        assertThat(server.app.served).containsExactly("g1", "g2", "g3", "h1", "g4", "g5", "h2", "h3");
    }

    @Test
    void aFullFlowIsRefusedWhileOtherFlowsStillQueue() throws Exception {
        start(Map.of(), 3);
        holdThePermit();
        List<CompletableFuture<HttpResponse<String>>> waiting = queue("heavy", "h1", "heavy", "h2", "heavy", "h3");

        HttpResponse<String> fourth = send("heavy", "h4").get(20, TimeUnit.SECONDS);
        assertThat(fourth.statusCode()).isEqualTo(503);
        assertThat(fourth.body()).contains("\"reason\":\"queue-full\"");
        waiting.addAll(queue());
        waiting.add(send("light", "l1"));
        Await.until(() -> figures().queued() == 4, "the light tenant queued beside the full flow");

        releaseAndAwait(waiting);
        assertThat(server.app.served).containsExactly("h1", "l1", "h2", "h3");
    }
}
