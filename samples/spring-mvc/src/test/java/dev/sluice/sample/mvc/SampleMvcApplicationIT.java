package dev.sluice.sample.mvc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The sample as configured by its application.yml, on a real server (port 0), with a real HTTP client. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"server.address=127.0.0.1", "sluice.management.token=sample-token",
                "sluice.cluster.host=127.0.0.1", "sample.viewer-password=viewer-pw",
                "sample.admin-password=admin-pw"})
class SampleMvcApplicationIT {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void clusterPort(DynamicPropertyRegistry registry) {
        registry.add("sluice.cluster.port", SampleMvcApplicationIT::freePort);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (java.io.IOException failed) {
            throw new java.io.UncheckedIOException(failed);
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theFourthQuickHelloIsRefused() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(send(request("/hello")).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> refused = send(request("/hello"));
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"hello-rate\";q=3;w=30");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void workBeyondItsPermitsWaitsAndIsServed() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(client.sendAsync(request("/work/" + i + "?ms=200").build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> answer = answers.get(i).get(30, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("/work/" + i);
        }
    }

    @Test
    void theManagementEndpointNeedsTheToken() throws Exception {
        assertThat(send(request("/actuator/sluice/policies")).statusCode()).isEqualTo(401);
        HttpResponse<String> policies = send(request("/actuator/sluice/policies")
                .header("Authorization", "Bearer sample-token"));
        assertThat(policies.statusCode()).isEqualTo(200);
        assertThat(policies.body()).contains("shared-concurrency");
        assertThat(send(request("/actuator/health")).body()).contains("\"sluice\"");
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theViewerReadsAndTheAdminWrites() throws Exception {
        HttpResponse<String> read = send(request("/actuator/sluice/policies/hello-rate")
                .header("Authorization", basic("viewer", "viewer-pw")));
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(read.body()).contains("\"name\":\"hello-rate\"");
        String patch = "{\"patch\": \"mode: shadow\"}";
        HttpResponse<String> refused = send(request("/actuator/sluice/policies/reports-shadow")
                .header("Authorization", basic("viewer", "viewer-pw")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(patch)));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/problem+json"));
        assertThat(send(request("/actuator/sluice/policies").header("Authorization", basic("viewer", "wrong")))
                .statusCode()).as("a wrong password").isEqualTo(401);
        HttpResponse<String> changed = send(request("/actuator/sluice/policies/reports-shadow")
                .header("Authorization", basic("admin", "admin-pw")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(patch)));
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        HttpResponse<String> audit = send(request("/actuator/sluice/audit")
                .header("Authorization", basic("viewer", "viewer-pw")));
        assertThat(audit.body()).contains("\"who\":\"admin\"").contains("\"address\":\"127.0.0.1\"")
                .contains("reports-shadow");
    }
}
