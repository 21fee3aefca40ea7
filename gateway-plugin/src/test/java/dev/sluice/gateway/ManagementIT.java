package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.RunningGateway.Answer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;

/** The management API under /actuator/sluice and the RequestRateLimiter with sluiceRateLimiter, on a real gateway. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementIT {
    private static final Map<String, String> TOKEN = Map.of("Authorization", "Bearer secret-token");
    private RunningGateway gateway;

    @BeforeAll
    void start() {
        gateway = RunningGateway.start("managed");
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private Answer send(String method, String path, String body, Map<String, String> headers) {
        return gateway.client.headers(h -> headers.forEach(h::add))
                .request(io.netty.handler.codec.http.HttpMethod.valueOf(method)).uri(path)
                .send(body == null ? Mono.empty() : ByteBufFlux.fromString(Mono.just(body)))
                .responseSingle((response, content) -> content.asString().defaultIfEmpty("")
                        .map(text -> new Answer(response.status().code(), response.responseHeaders(), text)))
                .block(Duration.ofSeconds(30));
    }

    @Test
    void policiesAreReadAndChangedLiveWithTheServletEndpointsAnswers() {
        Answer policy = send("GET", "/actuator/sluice/policies/route-api", null, Map.of());
        assertThat(policy.status()).isEqualTo(200);
        assertThat(policy.header("ETag")).isNotBlank();
        assertThat(policy.body()).contains("\"name\":\"route-api\"");

        assertThat(send("PATCH", "/actuator/sluice/policies/route-api", "{\"rate\":{\"limit\":5}}",
                Map.of("Content-Type", "application/merge-patch+json")).status()).as("no token").isEqualTo(401);
        assertThat(send("PATCH", "/actuator/sluice/policies/route-api", "{\"rate\":{\"limit\":-5}}",
                merge()).status()).as("invalid").isEqualTo(400);
        assertThat(send("PATCH", "/actuator/sluice/policies/route-api", "{\"rate\":{\"limit\":3}}", merge())
                .status()).isEqualTo(200);
        assertThat(gateway.get("/echo/api/1").header("RateLimit-Policy")).isEqualTo("\"route-api\";q=3;w=3600");

        Answer created = send("PUT", "/actuator/sluice/policies/everywhere",
                "rate: { limit: 1, period: 1h }\nmatch: { paths: [\"/echo/global/**\"] }\n",
                Map.of("Authorization", "Bearer secret-token", "Content-Type", "application/yaml"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(gateway.get("/echo/global/a").status()).isEqualTo(200);
        assertThat(gateway.get("/echo/global/a").status()).as("the global filter applies the new policy")
                .isEqualTo(429);
        assertThat(send("DELETE", "/actuator/sluice/policies/everywhere", null, TOKEN).status()).isEqualTo(204);
        assertThat(gateway.get("/echo/global/a").status()).isEqualTo(200);

        assertThat(send("GET", "/actuator/sluice/health", null, Map.of()).body()).contains("\"status\":\"UP\"");
        Answer metrics = send("GET", "/actuator/sluice/metrics", null, Map.of());
        assertThat(metrics.status()).as("Sluice records into the application's Prometheus registry").isEqualTo(200);
        assertThat(metrics.body()).contains("sluice_requests_total");
        assertThat(send("GET", "/actuator/prometheus", null, Map.of()).body()).as("the same registry")
                .contains("sluice_requests_total");
        assertThat(send("GET", "/actuator/sluice/nope", null, Map.of()).status()).isEqualTo(404);
    }

    private static Map<String, String> merge() {
        return Map.of("Authorization", "Bearer secret-token", "Content-Type", "application/merge-patch+json");
    }

    @Test
    void requestRateLimiterWithSluiceRateLimiterRefusesOverTheRatePerKey() {
        Map<String, String> alice = Map.of("X-Api-Key", "alice");
        Answer first = gateway.get("/echo/limited/a", alice);
        Answer second = gateway.get("/echo/limited/a", alice);
        Answer third = gateway.get("/echo/limited/a", alice);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("RateLimit-Policy")).isEqualTo("\"rate-limiter-limited\";q=2;w=3600");
        assertThat(first.header("X-RateLimit-Remaining")).isEqualTo("1");
        assertThat(second.status()).isEqualTo(200);
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.header("Retry-After")).isNotBlank();
        assertThat(third.header("X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(gateway.get("/echo/limited/a", Map.of("X-Api-Key", "bob")).status()).as("another key")
                .isEqualTo(200);
    }
}
