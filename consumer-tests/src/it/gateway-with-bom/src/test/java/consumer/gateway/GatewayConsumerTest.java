package consumer.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the application as its user would, with an embedded Hazelcast member on loopback (its own cluster name and
 * port), and checks what the build's dependency set leads to: {@code consumer.expect=serves} (sluice-bom imported)
 * or {@code refused} (no sluice-bom: Spring's BOMs pick versions Sluice is not tested with).
 */
class GatewayConsumerTest {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private HttpServer backend;
    private ConfigurableApplicationContext app;

    @BeforeEach
    void startBackend() throws IOException {
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", exchange -> {
            byte[] body = "hello\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        backend.start();
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        backend.stop(0);
    }

    @Test
    void theApplicationDoesWhatItsDependencySetLeadsTo() throws Exception {
        String expect = System.getProperty("consumer.expect");
        SpringApplicationBuilder builder = new SpringApplicationBuilder(GatewayApplication.class).properties(
                "server.port=0",
                "backend.uri=http://127.0.0.1:" + backend.getAddress().getPort(),
                "sluice.cluster.port=" + freePort(),
                // a patient time limit: a first cluster call on a loaded 2-core build machine can take longer than
                // the default 50 ms, and the policy would then fall back to its on-backend-failure rule
                "sluice.cluster.options.timeout=5s",
                "sluice.cluster.options.cluster-name=consumer-" + UUID.randomUUID());
        if ("refused".equals(expect)) {
            assertThatThrownBy(builder::run).satisfies(failure -> {
                String message = rootCause(failure).getMessage();
                System.out.println("[consumer] start-up refused: " + message);
                assertThat(message).contains("Hazelcast 5.5.0", "supported: [5.7.0,5.8)",
                        "Resilience4j 2.3.0", "supported: [2.4.0,2.5)",
                        "<artifactId>sluice-bom</artifactId>", "<scope>import</scope>",
                        "<hazelcast.version>5.7.0</hazelcast.version>", "-Dsluice.skip-version-check=true");
            });
            return;
        }
        assertThat(expect).isEqualTo("serves");
        app = builder.run();
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/hello")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            statuses.add(response.statusCode());
            if (response.statusCode() == 429) {
                assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                        type -> assertThat(type).startsWith("application/problem+json"));
            }
        }
        System.out.println("[consumer] gateway answered " + statuses);
        assertThat(statuses).containsExactly(200, 200, 200, 429);
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
