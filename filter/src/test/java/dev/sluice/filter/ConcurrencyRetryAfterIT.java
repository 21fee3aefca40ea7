package dev.sluice.filter;

import static dev.sluice.filter.Policies.paths;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.PolicyFigures;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.testkit.ManualScheduler;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request refused by a concurrency queue gets a Retry-After from its prospects: the line ahead of it, the permits
 * and how long permits have been held. Hold times come from the engine's clock, a manual one here, so a request
 * "holds" its permit for exactly as long as the test advances the clock while it runs.
 */
class ConcurrencyRetryAfterIT {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ManualScheduler time = new ManualScheduler();
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

    private void start(int permits, int depth) throws Exception {
        sluice = Sluice.builder().scheduler(time).policies(new PolicySet(List.of(Policy.builder("few")
                .match(paths("/q/**")).concurrency(new Concurrency(permits))
                .queue(new QueueLimit(depth, Duration.ofMinutes(5))).build()))).build();
        server = TestServer.start(new SluiceFilter(sluice));
    }

    private CompletableFuture<HttpResponse<String>> send(String pathAndQuery) {
        return client.sendAsync(HttpRequest.newBuilder(server.uri(pathAndQuery)).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private PolicyFigures figures() {
        return sluice.figures("few").orElseThrow();
    }

    /** One request holds a permit for {@code held} of the engine's clock. */
    private void holdOnce(Duration held) throws Exception {
        CompletableFuture<HttpResponse<String>> holder = send("/q/gate");
        server.app.awaitParked(1);
        time.advance(held);
        server.app.openGate();
        assertThat(holder.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        Await.until(() -> figures().permitsInUse() == 0, "the permit released");
    }

    private long retryAfterOfAFullQueue(int permits, int depth) throws Exception {
        for (int i = 0; i < permits; i++) {
            send("/q/gate");
        }
        server.app.awaitParked(permits);
        List<CompletableFuture<HttpResponse<String>>> waiting = new java.util.ArrayList<>();
        for (int i = 1; i <= depth; i++) {
            waiting.add(send("/q/ok?id=" + i));
            int queued = i;
            Await.until(() -> figures().queued() == queued, queued + " queued");
        }
        HttpResponse<String> refused = send("/q/ok?id=refused").get(20, TimeUnit.SECONDS);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("\"reason\":\"queue-full\"");
        for (int i = 0; i < permits; i++) {
            server.app.openGate();
        }
        for (CompletableFuture<HttpResponse<String>> waiter : waiting) {
            assertThat(waiter.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        return Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
    }

    @Test
    void aFullQueueAnswersTheLineTimesTheObservedHoldTime() throws Exception {
        start(1, 2);
        holdOnce(Duration.ofSeconds(10));

        // two ahead and itself, one permit, ten seconds a permit: thirty seconds
        assertThat(retryAfterOfAFullQueue(1, 2)).isEqualTo(30);
    }

    @Test
    void morePermitsShortenTheEstimate() throws Exception {
        start(2, 4);
        holdOnce(Duration.ofSeconds(10));

        // four ahead and itself over two permits: three rounds of ten seconds
        assertThat(retryAfterOfAFullQueue(2, 4)).isEqualTo(30);
    }

    @Test
    void shortHoldsNeverAnswerLessThanOneSecond() throws Exception {
        start(1, 1);
        holdOnce(Duration.ofMillis(10));

        assertThat(retryAfterOfAFullQueue(1, 1)).isEqualTo(1);
    }

    @Test
    void longHoldsAreBoundedToTenMinutes() throws Exception {
        start(1, 3);
        holdOnce(Duration.ofHours(1));

        assertThat(retryAfterOfAFullQueue(1, 3)).isEqualTo(600);
    }
}
