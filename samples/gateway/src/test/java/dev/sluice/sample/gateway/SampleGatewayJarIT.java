package dev.sluice.sample.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The packaged sample as a user runs it: {@code java -jar target/sluice-sample-gateway.jar} with its environment. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SampleGatewayJarIT {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;
    private Path log;
    private int port;

    @BeforeAll
    void start() throws Exception {
        port = freePort();
        log = Files.createTempFile("sample-gateway", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m"));
        command.addAll(List.of("-jar", new File("target/sluice-sample-gateway.jar").getAbsolutePath()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("PORT", Integer.toString(port));
        builder.environment().put("SERVER_ADDRESS", "127.0.0.1");
        builder.environment().put("SLUICE_TOKEN", "sample-token");
        builder.environment().put("SLUICE_VIEWER_PASSWORD", "viewer-pw");
        builder.environment().put("SLUICE_ADMIN_PASSWORD", "admin-pw");
        builder.environment().put("SLUICE_HZ_PORT", Integer.toString(freePort()));
        builder.environment().remove("SLUICE_MEMBERS");
        process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            assertThat(process.isAlive()).as("the sample runs; its log: %s", log).isTrue();
            try {
                if (get("/echo/ready").statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                assertThat(System.nanoTime()).as("started within 90 s; log: %s", log).isLessThan(deadline);
            }
            Thread.sleep(250);
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (log != null) {
            Files.deleteIfExists(log);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void echoesThroughTheGatewayAndRefusesTheFourthQuickHello() throws Exception {
        HttpResponse<String> echo = get("/echo/some/path?ms=50");
        assertThat(echo.statusCode()).isEqualTo(200);
        assertThat(echo.body()).isEqualTo("/echo/some/path");
        assertThat(echo.headers().firstValue("X-Echo-Started")).isPresent();

        for (int i = 0; i < 3; i++) {
            assertThat(get("/hello").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> refused = get("/hello");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("RateLimit-Policy")).contains("\"route-hello\";q=3;w=30");
        assertThat(refused.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(refused.body()).contains("\"policy\":\"route-hello\"");
    }

    @Test
    void theApiRouteCarriesTheQuotaPolicysFieldsForTheBandClosestToExhaustion() throws Exception {
        HttpResponse<String> first = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/orders")).header("X-Api-Key", "jar-it-key"));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("/echo/api/orders");
        assertThat(first.headers().firstValue("RateLimit")).as("the per-second band, its own r and t")
                .contains("\"api-quota\";r=9;t=1");
        assertThat(first.headers().firstValue("X-RateLimit-Remaining")).contains("9");
        assertThat(first.headers().firstValue("X-RateLimit-Reset")).contains("1");
        assertThat(get("/api/orders").statusCode()).as("no X-Api-Key").isEqualTo(400);
    }

    @Test
    void theManagementEndpointTakesTheTokenFromTheEnvironment() throws Exception {
        assertThat(get("/actuator/sluice/policies/work-concurrency").statusCode()).as("no token").isEqualTo(401);
        HttpRequest.Builder patch = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/actuator/sluice/policies/work-concurrency"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"patch\":\"concurrency: {permits: 3}\"}"));
        assertThat(send(patch).statusCode()).as("no token").isEqualTo(401);
        assertThat(send(patch.header("Authorization", "Bearer sample-token")).statusCode()).isEqualTo(200);
        HttpRequest.Builder read = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/actuator/sluice/policies/work-concurrency")).header("Authorization", "Bearer sample-token");
        assertThat(send(read).body()).contains("\"permits\":3");
    }

    private HttpRequest.Builder management(String path, String user, String password) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/sluice" + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theViewerReadsAndTheAdminWrites() throws Exception {
        HttpResponse<String> read = send(management("/policies/api-quota", "viewer", "viewer-pw"));
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(read.body()).contains("\"name\":\"api-quota\"");
        String patch = "{\"patch\":\"quota: {limit: 2000}\"}";
        HttpResponse<String> refused = send(management("/policies/api-quota", "viewer", "viewer-pw")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(patch)));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/problem+json"));
        assertThat(send(management("/policies", "viewer", "wrong")).statusCode()).as("a wrong password")
                .isEqualTo(401);
        HttpResponse<String> changed = send(management("/policies/api-quota", "admin", "admin-pw")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(patch)));
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        assertThat(changed.body()).contains("\"limit\":2000");
        HttpResponse<String> audit = send(management("/audit", "viewer", "viewer-pw"));
        assertThat(audit.body()).contains("\"who\":\"admin\"").contains("\"address\":\"127.0.0.1\"");
    }

    @Test
    void theClusterScopeRouteQueuesBeyondItsPermits() throws Exception {
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answers.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/shared/" + i + "?ms=300")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> answer = answers.get(i).get(30, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).as("queued, then served").isEqualTo(200);
            assertThat(answer.body()).isEqualTo("/echo/shared/" + i);
        }
    }
}
