package dev.sluice.filter;

import static dev.sluice.filter.Policies.paths;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.PolicyFigures;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
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

class QueueIT {
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

    private void start(int depth, Duration maxWait) throws Exception {
        sluice = Policies.sluice(Policy.builder("one-at-a-time")
                .match(paths("/q/**"))
                .concurrency(new Concurrency(1))
                .queue(new QueueLimit(depth, maxWait))
                .build());
        server = TestServer.start(new SluiceFilter(sluice));
    }

    @Test
    void holdsFiveHundredWaitingRequestsWithoutHoldingContainerThreads() throws Exception {
        start(1000, Duration.ofMinutes(2));
        CompletableFuture<HttpResponse<String>> holder = send("/q/gate");
        server.app.awaitParked(1);
        server.awaitReturned("/q/gate");
        int threadsBefore = server.threads.getThreads();
        int busyBefore = server.threads.getBusyThreads();

        // Arrivals come in batches of 10, each once the previous one is queued, so that the pool is not grown by a
        // burst of simultaneous arrivals (each arrival needs a thread for the moment it takes to be suspended).
        List<CompletableFuture<HttpResponse<String>>> waiters = new ArrayList<>();
        for (int batch = 0; batch < 50; batch++) {
            for (int i = 0; i < 10; i++) {
                waiters.add(send("/q/ok?id=" + (batch * 10 + i)));
            }
            int queued = (batch + 1) * 10;
            Await.until(() -> figures().queued() == queued, queued + " requests queued");
        }
        Await.until(() -> server.returned.size() >= 500, "every queued request's dispatch returned");
        int threadsWaiting = server.threads.getThreads();
        int busyWaiting = server.threads.getBusyThreads();
        System.out.printf("Jetty pool with 500 queued requests: threads %d -> %d, busy %d -> %d (max %d)%n",
                threadsBefore, threadsWaiting, busyBefore, busyWaiting, server.threads.getMaxThreads());

        server.app.openGate();
        assertThat(holder.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        for (CompletableFuture<HttpResponse<String>> waiter : waiters) {
            HttpResponse<String> response = waiter.get(60, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("ok");
        }
        // 500 requests wait at once, in a pool that can never have more than 32 threads, and the pool has no more
        // busy threads than before they came: waiting holds no thread. (Its thread count moves only with how many
        // requests arrive at the same moment.)
        assertThat(busyWaiting).isLessThanOrEqualTo(busyBefore + 1);
        assertThat(threadsWaiting).isLessThanOrEqualTo(TestServer.MAX_THREADS);
        assertThat(server.app.served).hasSize(500);
        Await.until(() -> figures().permitsInUse() == 0 && figures().queued() == 0, "all released");
    }

    @Test
    void servesWaitersFirstInFirstOut() throws Exception {
        start(100, Duration.ofMinutes(1));
        CompletableFuture<HttpResponse<String>> holder = send("/q/gate");
        server.app.awaitParked(1);
        List<CompletableFuture<HttpResponse<String>>> waiters = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            waiters.add(send("/q/ok?id=" + i));
            int queued = i;
            Await.until(() -> figures().queued() == queued, queued + " queued");
        }

        server.app.openGate();

        assertThat(holder.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        for (CompletableFuture<HttpResponse<String>> waiter : waiters) {
            assertThat(waiter.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(server.app.served).containsExactly("1", "2", "3", "4", "5", "6", "7", "8");
        assertThat(server.app.invocations).hasValue(9);
        assertThat(figures().admitted()).as("each request admitted once, resumed or not").isEqualTo(9);
    }

    @Test
    void refusesAtOnceWhenTheQueueIsFull() throws Exception {
        start(2, Duration.ofMinutes(1));
        CompletableFuture<HttpResponse<String>> holder = send("/q/gate");
        server.app.awaitParked(1);
        CompletableFuture<HttpResponse<String>> first = send("/q/ok?id=a");
        Await.until(() -> figures().queued() == 1, "1 queued");
        CompletableFuture<HttpResponse<String>> second = send("/q/ok?id=b");
        Await.until(() -> figures().queued() == 2, "2 queued");

        HttpResponse<String> third = send("/q/ok?id=c").get(20, TimeUnit.SECONDS);

        assertThat(third.statusCode()).isEqualTo(503);
        assertThat(third.headers().firstValue("Retry-After")).isPresent();
        assertThat(third.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(third.body()).contains("\"reason\":\"queue-full\"");
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        server.app.openGate();
        assertThat(holder.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(first.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(second.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(server.app.served).containsExactly("a", "b");
    }

    @Test
    void refusesAWaiterAfterTheMaximumWaitWithoutReachingTheApplication() throws Exception {
        start(10, Duration.ofMillis(300));
        CompletableFuture<HttpResponse<String>> holder = send("/q/gate");
        server.app.awaitParked(1);

        HttpResponse<String> waiter = send("/q/ok?id=late").get(20, TimeUnit.SECONDS);

        assertThat(waiter.statusCode()).isEqualTo(503);
        assertThat(waiter.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(waiter.headers().firstValue("Retry-After")).isPresent();
        assertThat(waiter.body()).contains("\"reason\":\"queue-timeout\"");
        assertThat(server.app.served).isEmpty();
        assertThat(figures().queued()).isZero();
        server.app.openGate();
        assertThat(holder.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    private PolicyFigures figures() {
        return sluice.figures("one-at-a-time").orElseThrow();
    }

    private CompletableFuture<HttpResponse<String>> send(String path) {
        return client.sendAsync(HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
