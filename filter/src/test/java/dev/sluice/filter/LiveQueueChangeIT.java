package dev.sluice.filter;

import static dev.sluice.filter.Policies.paths;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.PolicyFigures;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Rate;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests waiting in a rate queue follow a live change of the rate made through the management API: a raised rate
 * releases them at once, a lowered one keeps them (or refuses those it can no longer serve within their max-wait)
 * and admits nothing beyond the new rate. The old rates here are so slow (one request a minute) that the waiters
 * could not leave within the tests' bounds without the change.
 */
class LiveQueueChangeIT {
    private static final String TOKEN = "live-queue-token";
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

    private void start(Rate rate, QueueLimit queue) throws Exception {
        sluice = Policies.sluice(Policy.builder("slow").match(paths("/q/**")).rate(rate).queue(queue).build());
        server = TestServer.start(new SluiceFilter(sluice), TestServer.Registration.withManagement(TOKEN));
    }

    private CompletableFuture<HttpResponse<String>> send(String pathAndQuery) {
        return client.sendAsync(HttpRequest.newBuilder(server.uri(pathAndQuery)).timeout(Duration.ofSeconds(60))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private void patch(String mergePatch) throws Exception {
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(server.uri("/sluice/policies/slow"))
                .timeout(Duration.ofSeconds(20))
                .method("PATCH", HttpRequest.BodyPublishers.ofString(mergePatch))
                .header("Content-Type", "application/merge-patch+json")
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }

    private PolicyFigures figures() {
        return sluice.figures("slow").orElseThrow();
    }

    /** One request takes the only token; then {@code count} wait, queued one after the other (ids 1..count). */
    private List<CompletableFuture<HttpResponse<String>>> queue(int count) throws Exception {
        assertThat(send("/q/ok?id=0").get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        List<CompletableFuture<HttpResponse<String>>> waiters = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            waiters.add(send("/q/ok?id=" + i));
            int queued = i;
            Await.until(() -> figures().queued() == queued, queued + " queued");
        }
        return waiters;
    }

    @Test
    void aRaisedRateReleasesTheWaitersAtOnce() throws Exception {
        start(new Rate(1, Duration.ofMinutes(1), 1), new QueueLimit(10, Duration.ofMinutes(5)));
        List<CompletableFuture<HttpResponse<String>>> waiters = queue(5);

        patch("{\"rate\":{\"limit\":100,\"period\":\"1s\"}}");

        // at one a minute the last would leave after five minutes; at 100/s they all leave within 50 ms
        for (CompletableFuture<HttpResponse<String>> waiter : waiters) {
            assertThat(waiter.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        // (released 10 ms apart, they may reach the application in another order than they leave the queue)
        assertThat(server.app.served).containsExactlyInAnyOrder("0", "1", "2", "3", "4", "5");
        assertThat(figures().queued()).isZero();
    }

    @Test
    void aLoweredRateAdmitsNoWaiterBeyondItAndRefusesThoseItCannotServeInTime() throws Exception {
        start(new Rate(1, Duration.ofSeconds(1), 1), new QueueLimit(20, Duration.ofSeconds(30)));
        List<CompletableFuture<HttpResponse<String>>> waiters = queue(10);

        patch("{\"rate\":{\"limit\":1,\"period\":\"10m\"}}");
        int servedAtChange = server.app.served.size();

        // at the old rate all ten would have left within ten seconds; at one per ten minutes none can leave within
        // its max-wait of 30 s, so every one still waiting is refused now, and none is admitted after the change
        int refused = 0;
        for (CompletableFuture<HttpResponse<String>> waiter : waiters) {
            HttpResponse<String> response = waiter.get(20, TimeUnit.SECONDS);
            if (response.statusCode() != 200) {
                refused++;
                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(response.body()).contains("\"reason\":\"queue-timeout\"");
                long retryAfter = Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
                assertThat(retryAfter).as("when the new rate could serve it").isGreaterThan(30);
            }
        }
        assertThat(server.app.served).as("only requests admitted before the change")
                .hasSizeLessThanOrEqualTo(servedAtChange + 1);
        assertThat(refused).isEqualTo(11 - server.app.served.size());
        assertThat(refused).as("the change came before most waiters were due").isGreaterThanOrEqualTo(5);
        assertThat(figures().queued()).isZero();
    }

    @Test
    void aLoweredRateKeepsTheWaitersItCanServeAndReleasesThemLater() throws Exception {
        start(new Rate(1, Duration.ofSeconds(1), 1), new QueueLimit(10, Duration.ofMinutes(10)));
        List<CompletableFuture<HttpResponse<String>>> waiters = queue(5);

        patch("{\"rate\":{\"limit\":1,\"period\":\"1m\"}}");
        int servedAtChange = server.app.served.size();
        int waitingAtChange = 6 - servedAtChange;

        // the old rate would release one a second; the new one, one a minute: three seconds on, at most the one whose
        // token was under way at the change has left, and the others still wait (their max-wait is ten minutes)
        Thread.sleep(3000);
        assertThat(server.app.served).hasSizeLessThanOrEqualTo(servedAtChange + 1);
        assertThat(figures().queued()).isGreaterThanOrEqualTo(waitingAtChange - 1).isPositive();
        assertThat(waiters.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join))
                .allMatch(response -> response.statusCode() == 200);

        patch("{\"rate\":{\"limit\":100,\"period\":\"1s\"}}");
        for (CompletableFuture<HttpResponse<String>> waiter : waiters) {
            assertThat(waiter.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(server.app.served).hasSize(6);
    }
}
