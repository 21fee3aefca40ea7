package dev.sluice.filter;

import static dev.sluice.filter.Policies.paths;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.PolicyFigures;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that goes away while its request waits in a queue. Jetty reports it to the filter's AsyncListener when
 * it learns of it: at once over HTTP/2 (the client resets the stream). Over HTTP/1.1 Jetty 12 does not read from a
 * connection while a request without a body is being handled, so it learns of a closed connection only when it
 * writes; the queue's max-wait bounds how long such a place stays taken, and it holds nothing meanwhile.
 */
class DisconnectIT {
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

    private void start(Duration maxWait, boolean http2) throws Exception {
        sluice = Policies.sluice(Policy.builder("one-at-a-time")
                .match(paths("/q/**"))
                .concurrency(new Concurrency(1))
                .queue(new QueueLimit(10, maxWait))
                .build());
        server = TestServer.start(new SluiceFilter(sluice), http2);
    }

    @Test
    void aClientThatResetsItsHttp2StreamLeavesTheQueueAtOnce() throws Exception {
        start(Duration.ofMinutes(10), true);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> upgrade = client.send(request("/open/ok").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(upgrade.version()).isEqualTo(HttpClient.Version.HTTP_2);
        CompletableFuture<HttpResponse<String>> holder = client.sendAsync(request("/q/gate").build(),
                HttpResponse.BodyHandlers.ofString());
        server.app.awaitParked(1);
        CompletableFuture<HttpResponse<String>> waiter = client.sendAsync(request("/q/ok?id=gone").build(),
                HttpResponse.BodyHandlers.ofString());
        Await.until(() -> figures().queued() == 1, "the waiter queued");

        waiter.cancel(true);

        Await.until(() -> figures().queued() == 0, "the waiter left the queue");
        assertThat(figures().permitsInUse()).isEqualTo(1);
        CompletableFuture<HttpResponse<String>> next = client.sendAsync(request("/q/ok?id=next").build(),
                HttpResponse.BodyHandlers.ofString());
        Await.until(() -> figures().queued() == 1, "the next request queued");
        server.app.openGate();
        assertThat(holder.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(next.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(server.app.served).containsExactly("next");
        Await.until(() -> figures().permitsInUse() == 0, "nothing held");
    }

    @Test
    void aClientThatClosesItsHttp1ConnectionHoldsItsPlaceNoLongerThanTheMaximumWaitAndNothingAfter() throws Exception {
        start(Duration.ofMillis(500), false);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        CompletableFuture<HttpResponse<String>> holder = client.sendAsync(request("/q/gate").build(),
                HttpResponse.BodyHandlers.ofString());
        server.app.awaitParked(1);
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /app/q/ok?id=gone HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Await.until(() -> figures().queued() == 1, "the waiter queued");
        }

        Await.until(() -> figures().queued() == 0, "the waiter's place freed");
        assertThat(figures().permitsInUse()).isEqualTo(1);
        server.app.openGate();
        assertThat(holder.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        Await.until(() -> figures().permitsInUse() == 0, "nothing held");
        assertThat(server.app.served).isEmpty();
    }

    private PolicyFigures figures() {
        return sluice.figures("one-at-a-time").orElseThrow();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(60));
    }
}
