package dev.sluice.filter;

import static dev.sluice.filter.Policies.paths;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Admission;
import dev.sluice.core.PolicyFigures;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.key.KeyResolver;
import jakarta.servlet.DispatcherType;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Deployment mistakes in how the filter is registered: requests are never lost and nothing leaks. */
class RegistrationIT {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Sluice sluice;
    private TestServer server;

    @BeforeEach
    void engine() {
        sluice = Policies.sluice(Policy.builder("one-at-a-time")
                .match(paths("/q/**"))
                .concurrency(new Concurrency(1))
                .queue(new QueueLimit(10, Duration.ofMinutes(1)))
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        sluice.close();
    }

    @Test
    void failsARequestThatMustWaitWhenTheFilterIsNotAsyncSupportedAndLeavesNothingQueued() throws Exception {
        server = TestServer.start(new SluiceFilter(sluice),
                new TestServer.Registration(false, EnumSet.of(DispatcherType.REQUEST)));
        assertThat(get("/q/ok").statusCode()).isEqualTo(200);
        Await.until(() -> figures().permitsInUse() == 0, "released");
        // The test application's gate cannot go asynchronous behind a filter that is not async-supported, so the
        // permit is held through the engine's own API, under the policy's global key.
        HttpResponse<String> waiting;
        Admission first = sluice.acquire("one-at-a-time", KeyResolver.GLOBAL, 1).get(5, TimeUnit.SECONDS);
        assertThat(first.admitted()).isTrue();
        try {
            waiting = get("/q/ok");
        } finally {
            first.release();
        }

        assertThat(waiting.statusCode()).isEqualTo(500);
        assertThat(figures().queued()).isZero();
        Await.until(() -> figures().permitsInUse() == 0, "nothing held");
        assertThat(server.app.served).isEmpty();
    }

    @Test
    void servesAndReleasesAQueuedRequestWhenTheFilterIsNotMappedForAsyncDispatches() throws Exception {
        server = TestServer.start(new SluiceFilter(sluice),
                new TestServer.Registration(true, EnumSet.of(DispatcherType.REQUEST)));
        CompletableFuture<HttpResponse<String>> holder = send("/q/gate");
        server.app.awaitParked(1);
        CompletableFuture<HttpResponse<String>> waiter = send("/q/ok?id=w");
        Await.until(() -> figures().queued() == 1, "queued");

        server.app.openGate();

        assertThat(holder.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(waiter.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(server.app.served).containsExactly("w");
        Await.until(() -> figures().permitsInUse() == 0, "released");
    }

    private PolicyFigures figures() {
        return sluice.figures("one-at-a-time").orElseThrow();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(path).get(30, TimeUnit.SECONDS);
    }

    private CompletableFuture<HttpResponse<String>> send(String path) {
        return client.sendAsync(HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
