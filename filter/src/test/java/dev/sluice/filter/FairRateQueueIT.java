package dev.sluice.filter;

import static dev.sluice.filter.Policies.paths;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.PolicyFigures;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.KeyExpression;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Rate;
import dev.sluice.core.testkit.ManualScheduler;
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
 * A rate queue with {@code fair-by}: one token a second, one tenant floods the line, others send a few. The clock is
 * manual and moves one second at a time, so exactly one reservation falls due per step: the order the application
 * sees is the order the queue reserved the tokens in.
 */
class FairRateQueueIT {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ManualScheduler clock = new ManualScheduler();
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

    private void start(Map<String, Integer> weights, int flowDepth, Duration maxWait) throws Exception {
        Policy policy = Policy.builder("shared")
                .match(paths("/q/**"))
                .rate(new Rate(1, Duration.ofSeconds(1), 1))
                .queue(new QueueLimit(50, maxWait, KeyExpression.parse("header:X-Tenant"), weights, 1, flowDepth))
                .build();
        sluice = Sluice.builder().policies(new PolicySet(List.of(policy))).scheduler(clock).build();
        server = TestServer.start(new SluiceFilter(sluice));
        // the bucket's one token goes to a request that waits for nothing
        assertThat(send("heavy", "h0").get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        server.app.served.clear();
    }

    private CompletableFuture<HttpResponse<String>> send(String tenant, String id) {
        return client.sendAsync(HttpRequest.newBuilder(server.uri("/q/ok?id=" + id))
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
            long before = figures().queued();
            waiting.add(send(tenantsAndIds[i], tenantsAndIds[i + 1]));
            Await.until(() -> figures().queued() == before + 1, tenantsAndIds[i + 1] + " queued");
        }
        return waiting;
    }

    /** Moves the clock a second at a time; each step lets one reservation fall due and its request through. */
    private void serveOneByOne(List<CompletableFuture<HttpResponse<String>>> waiting) throws Exception {
        for (int i = 0; i < waiting.size(); i++) {
            int served = server.app.served.size();
            clock.advance(Duration.ofSeconds(1));
            Await.until(() -> server.app.served.size() == served + 1, "one more served");
        }
        for (CompletableFuture<HttpResponse<String>> waiter : waiting) {
            assertThat(waiter.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void lightTenantsAreServedBetweenTheFloodNotAfterIt() throws Exception {
        start(Map.of(), 50, Duration.ofMinutes(1));
        List<CompletableFuture<HttpResponse<String>>> waiting = queue(
                "heavy", "h1", "heavy", "h2", "heavy", "h3", "heavy", "h4", "heavy", "h5", "heavy", "h6",
                "light", "l1", "other", "o1", "light", "l2");

        serveOneByOne(waiting);

        // equal weights: each flow's n-th request has the same turn; FIFO inside each flow
        assertThat(server.app.served).containsExactly("h1", "l1", "o1", "h2", "l2", "h3", "h4", "h5", "h6");
    }

    @Test
    void aHeavierWeightGetsMoreTurns() throws Exception {
        start(Map.of("gold", 4), 50, Duration.ofMinutes(1));
        List<CompletableFuture<HttpResponse<String>>> waiting = queue(
                "heavy", "h1", "heavy", "h2", "heavy", "h3",
                "gold", "g1", "gold", "g2", "gold", "g3", "gold", "g4", "gold", "g5");

        serveOneByOne(waiting);

        // weight 4 against 1: four gold requests for each heavy one while both wait
        assertThat(server.app.served).containsExactly("g1", "g2", "g3", "h1", "g4", "g5", "h2", "h3");
    }

    @Test
    void aFullFlowIsRefusedWhileOtherFlowsStillQueue() throws Exception {
        start(Map.of(), 3, Duration.ofMinutes(1));
        List<CompletableFuture<HttpResponse<String>>> waiting = queue("heavy", "h1", "heavy", "h2", "heavy", "h3");

        HttpResponse<String> fourth = send("heavy", "h4").get(20, TimeUnit.SECONDS);
        assertThat(fourth.statusCode()).isEqualTo(503);
        assertThat(fourth.body()).contains("\"reason\":\"queue-full\"");
        waiting.addAll(queue("light", "l1"));

        serveOneByOne(waiting);
        assertThat(server.app.served).containsExactly("h1", "l1", "h2", "h3");
    }

    @Test
    void aWaiterPushedBeyondItsMaxWaitIsRefusedAtOnce() throws Exception {
        start(Map.of(), 50, Duration.ofSeconds(3));
        List<CompletableFuture<HttpResponse<String>>> heavy = queue("heavy", "h1", "heavy", "h2", "heavy", "h3");
        long queuedBefore = figures().queued();

        // the light request takes the second token; h2 moves to the third second and h3 to the fourth, past its 3s
        CompletableFuture<HttpResponse<String>> light = send("light", "l1");
        HttpResponse<String> pushedOut = heavy.get(2).get(20, TimeUnit.SECONDS);
        assertThat(pushedOut.statusCode()).isEqualTo(503);
        assertThat(pushedOut.body()).contains("\"reason\":\"queue-timeout\"");
        assertThat(pushedOut.headers().firstValue("Retry-After")).isPresent();
        Await.until(() -> figures().queued() == queuedBefore, "l1 in, h3 out");

        serveOneByOne(List.of(heavy.get(0), light, heavy.get(1)));
        assertThat(server.app.served).containsExactly("h1", "l1", "h2");
    }
}
