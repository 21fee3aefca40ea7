package dev.sluice.sample.mvc;

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
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The packaged sample as the README runs it: {@code java -jar target/sluice-sample-spring-mvc.jar} with {@code PORT},
 * {@code SLUICE_TOKEN} and the two users' passwords from the environment.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SampleMvcJarIT {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;
    private Path log;
    private int port;

    @BeforeAll
    void start() throws Exception {
        port = freePort();
        log = Files.createTempFile("sample-spring-mvc", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx512m", "-jar",
                new File("target/sluice-sample-spring-mvc.jar").getAbsolutePath()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("PORT", Integer.toString(port));
        builder.environment().put("SERVER_ADDRESS", "127.0.0.1");
        builder.environment().put("SLUICE_TOKEN", "sample-token");
        builder.environment().put("SLUICE_VIEWER_PASSWORD", "viewer-pw");
        builder.environment().put("SLUICE_ADMIN_PASSWORD", "admin-pw");
        builder.environment().put("SLUICE_HZ_HOST", "127.0.0.1");
        builder.environment().put("SLUICE_HZ_PORT", Integer.toString(freePort()));
        builder.environment().remove("SLUICE_MEMBERS");
        process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            assertThat(process.isAlive()).as("the sample runs; its log:%n%s", output()).isTrue();
            try {
                if (get("/echo/ready").statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                assertThat(System.nanoTime()).as("started within 90 s; its log:%n%s", output()).isLessThan(deadline);
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

    private String output() throws java.io.IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(request(path));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theFourthQuickHelloIsRefusedWithItsHeaders() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(get("/hello").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> refused = get("/hello");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("RateLimit-Policy")).contains("\"hello-rate\";q=3;w=30");
        assertThat(refused.headers().firstValue("RateLimit")).hasValueSatisfying(field ->
                assertThat(field).startsWith("\"hello-rate\";r=0;t="));
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.headers().firstValue("Content-Type")).contains("application/problem+json");
    }

    @Test
    void theActuatorEndpointTakesTheTokenAndBothUsersFromTheEnvironment() throws Exception {
        assertThat(get("/actuator").body()).contains("/actuator/sluice");
        assertThat(get("/actuator/sluice").statusCode()).as("no credentials").isEqualTo(401);
        assertThat(send(request("/actuator/sluice/policies/hello-rate").header("Authorization",
                "Bearer sample-token")).body()).contains("\"name\":\"hello-rate\"");
        assertThat(send(request("/actuator/sluice/audit").header("Authorization", basic("viewer", "viewer-pw")))
                .statusCode()).isEqualTo(200);
        String patch = "{\"patch\":\"rate: {limit: 4}\"}";
        assertThat(send(request("/actuator/sluice/policies/reports-shadow")
                .header("Authorization", basic("viewer", "viewer-pw")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(patch))).statusCode()).isEqualTo(403);
        HttpResponse<String> changed = send(request("/actuator/sluice/policies/reports-shadow")
                .header("Authorization", basic("admin", "admin-pw")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(patch)));
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        assertThat(get("/actuator/health").body()).contains("\"sluice\"");
    }
}
