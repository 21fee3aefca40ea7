package dev.sluice.filter;

import static dev.sluice.filter.Policies.paths;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.Rate;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RefusalIT {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Sluice sluice;
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        sluice = Policies.sluice(Policy.builder("limited")
                .match(paths("/limited/**"))
                .rate(new Rate(2, Duration.ofHours(1)))
                .build());
        server = TestServer.start(new SluiceFilter(sluice));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        sluice.close();
    }

    @Test
    void refusesOverTheRateWithStatusHeadersAndProblemBodyWithoutReachingTheApplication() throws Exception {
        HttpResponse<String> first = get("/limited/ok");
        HttpResponse<String> second = get("/limited/ok");
        HttpResponse<String> third = get("/limited/ok");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("ok");
        assertThat(first.headers().firstValue("RateLimit-Policy")).contains("\"limited\";q=2;w=3600");
        assertThat(first.headers().firstValue("RateLimit")).hasValueSatisfying(v -> assertThat(v).contains("r=1"));
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.headers().firstValue("RateLimit")).hasValueSatisfying(v -> assertThat(v).contains("r=0"));

        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(third.headers().firstValue("Retry-After")).hasValueSatisfying(
                v -> assertThat(Long.parseLong(v)).isBetween(1L, 3600L));
        assertThat(third.headers().firstValue("RateLimit-Policy")).isPresent();
        assertThat(third.body())
                .contains("\"type\":\"urn:sluice:problem:rate\"")
                .contains("\"status\":429")
                .contains("\"policy\":\"limited\"");
        assertThat(server.app.invocations).hasValue(2);
    }

    @Test
    void letsRequestsThatNoPolicyMatchesThroughWithoutHeaders() throws Exception {
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> response = get("/open/ok");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("RateLimit-Policy")).isEmpty();
        }
    }

    @Test
    void matchesTheCanonicalPathSoThatDotSegmentsDoNotEscapeAPolicy() throws Exception {
        get("/limited/ok");
        get("/limited/ok");

        String raw = rawGet("/app/other/../limited/ok");

        assertThat(raw).startsWith("HTTP/1.1 429");
        assertThat(server.app.invocations).hasValue(2);
    }

    @Test
    void matchesTheDecodedPathSoThatEscapesDoNotEscapeAPolicy() throws Exception {
        get("/limited/ok");
        get("/limited/ok");

        String raw = rawGet("/app/limit%65d/ok");

        assertThat(raw).startsWith("HTTP/1.1 429");
        assertThat(server.app.invocations).hasValue(2);
    }

    @Test
    void refusesHeadRequestsWithHeadersAndNoBody() throws Exception {
        get("/limited/ok");
        get("/limited/ok");

        HttpResponse<String> head = client.send(HttpRequest.newBuilder(server.uri("/limited/ok"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(head.statusCode()).isEqualTo(429);
        assertThat(head.headers().firstValue("Retry-After")).isPresent();
        assertThat(head.body()).isEmpty();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Sends the request line as written (HTTP clients normalise dot segments away) and reads the status line. */
    private String rawGet(String target) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
