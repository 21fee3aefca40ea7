package dev.sluice.filter;

import static dev.sluice.filter.Policies.paths;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Rate;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every way a request can end gives its concurrency permit back, once, and not before its response completes. */
class ReleaseIT {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Sluice sluice;
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        sluice = Policies.sluice(
                Policy.builder("single").match(paths("/r/**")).concurrency(new Concurrency(1)).build(),
                Policy.builder("single-queued").match(paths("/rq/**")).concurrency(new Concurrency(1))
                        .queue(new QueueLimit(10, Duration.ofMinutes(1))).build(),
                Policy.builder("rate-only").match(paths("/rate/**")).rate(new Rate(1, Duration.ofHours(1), 2)).build());
        server = TestServer.start(new SluiceFilter(sluice));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        sluice.close();
    }

    @Test
    void releasesWhenTheApplicationReturns() throws Exception {
        assertThat(get("/r/ok").statusCode()).isEqualTo(200);

        awaitFree("single");
        assertThat(get("/r/ok").statusCode()).isEqualTo(200);
    }

    @Test
    void releasesWhenTheApplicationThrows() throws Exception {
        assertThat(get("/r/throw").statusCode()).isEqualTo(500);

        awaitFree("single");
        assertThat(get("/r/ok").statusCode()).isEqualTo(200);
    }

    @Test
    void holdsThePermitUntilAnAsynchronousResponseCompletes() throws Exception {
        CompletableFuture<HttpResponse<String>> parked = send("/r/gate");
        server.app.awaitParked(1);
        server.awaitReturned("/r/gate");

        assertThat(permitsInUse("single")).isEqualTo(1);
        assertThat(get("/r/ok").statusCode()).isEqualTo(503);

        server.app.openGate();
        assertThat(parked.get(20, TimeUnit.SECONDS).body()).isEqualTo("released");
        awaitFree("single");
        assertThat(get("/r/ok").statusCode()).isEqualTo(200);
    }

    @Test
    void releasesWhenAnAsynchronousResponseTimesOut() throws Exception {
        assertThat(get("/r/timeout").statusCode()).isEqualTo(500);

        awaitFree("single");
        assertThat(get("/r/ok").statusCode()).isEqualTo(200);
    }

    @Test
    void passesTheApplicationsOwnAsyncDispatchWithoutAdmittingItAgain() throws Exception {
        HttpResponse<String> response = get("/r/dispatch");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("dispatched");
        awaitFree("single");
        assertThat(sluice.figures("single").orElseThrow().admitted()).isEqualTo(1);
    }

    @Test
    void passesTheAsyncDispatchOfARequestAdmittedHoldingNothing() throws Exception {
        HttpResponse<String> response = get("/rate/dispatch");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("dispatched");
        assertThat(response.headers().firstValue("RateLimit")).hasValue("\"rate-only\";r=1;t=3600");
        assertThat(sluice.figures("rate-only").orElseThrow().admitted()).isEqualTo(1);
        assertThat(get("/rate/ok").statusCode()).as("one token left of two").isEqualTo(200);
        assertThat(get("/rate/ok").statusCode()).isEqualTo(429);
    }

    @Test
    void releasesWhenTheApplicationThrowsInItsAsyncDispatch() throws Exception {
        assertThat(get("/r/dispatch-throw").statusCode()).isEqualTo(500);

        awaitFree("single");
        assertThat(get("/r/ok").statusCode()).isEqualTo(200);
    }

    @Test
    void releasesAQueuedRequestThatTheApplicationCompletesAsynchronously() throws Exception {
        CompletableFuture<HttpResponse<String>> first = send("/rq/gate?n=1");
        server.app.awaitParked(1);
        CompletableFuture<HttpResponse<String>> second = send("/rq/gate?n=2");
        Await.until(() -> sluice.figures("single-queued").orElseThrow().queued() == 1, "second request queued");

        server.app.openGate();
        assertThat(first.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        server.app.awaitParked(1);
        server.awaitReturned("n=2");
        assertThat(permitsInUse("single-queued")).isEqualTo(1);

        server.app.openGate();
        assertThat(second.get(20, TimeUnit.SECONDS).body()).isEqualTo("released");
        awaitFree("single-queued");
    }

    private long permitsInUse(String policy) {
        return sluice.figures(policy).orElseThrow().permitsInUse();
    }

    private void awaitFree(String policy) throws InterruptedException {
        Await.until(() -> permitsInUse(policy) == 0, policy + " has no permit in use");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(path).get(30, TimeUnit.SECONDS);
    }

    private CompletableFuture<HttpResponse<String>> send(String path) {
        return client.sendAsync(HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
