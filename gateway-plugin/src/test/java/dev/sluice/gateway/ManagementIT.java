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
        gateway = RunningGateway.start("managed", "sluice.management.tokens=viewer read viewer-secret");
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

    @Test
    void aReadTokenReadsButCannotWriteAndTheAuditNamesTheToken() {
        Map<String, String> viewer = Map.of("Authorization", "Bearer viewer-secret", "Content-Type",
                "application/merge-patch+json");
        Answer forbidden = send("PATCH", "/actuator/sluice/policies/route-api", "{\"mode\":\"enforce\"}", viewer);
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(forbidden.body()).contains("'viewer'", "write");
        assertThat(send("GET", "/actuator/sluice/policies", null, viewer).status()).isEqualTo(200);

        String yaml = "rate: { limit: 100, period: 1h }\nmatch: { paths: [\"/echo/audited/**\"] }\n";
        assertThat(send("PUT", "/actuator/sluice/policies/audited", yaml,
                Map.of("Authorization", "Bearer secret-token", "Content-Type", "application/yaml")).status())
                .isEqualTo(201);
        assertThat(send("GET", "/actuator/sluice/audit", null, Map.of()).body())
                .contains("\"who\":\"default\"", "\"token\":\"default\"", "\"address\":\"127.0.0.1\"");
    }

    @Test
    void headOptionsAndEvery405AnswerAsTheServletDoes() {
        for (String path : java.util.List.of("/actuator/sluice/policies", "/actuator/sluice/policies/route-api",
                "/actuator/sluice/policies/route-api/keys/a", "/actuator/sluice/health")) {
            Answer get = send("GET", path, null, Map.of());
            Answer head = send("HEAD", path, null, Map.of());
            assertThat(head.status()).as(path).isEqualTo(get.status());
            assertThat(head.body()).as(path).isEmpty();
            assertThat(head.header("Content-Type")).as(path).isEqualTo(get.header("Content-Type"));
            assertThat(head.header("ETag")).as(path).isEqualTo(get.header("ETag"));
        }
        assertThat(send("HEAD", "/actuator/sluice/policies/route-api", null, Map.of()).header("Content-Length"))
                .isEqualTo(Integer.toString(send("GET", "/actuator/sluice/policies/route-api", null, Map.of()).body()
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8).length));
        Answer options = send("OPTIONS", "/actuator/sluice/policies/route-api", null, Map.of());
        assertThat(options.status()).isEqualTo(204);
        assertThat(options.header("Allow")).isEqualTo("GET, HEAD, PUT, PATCH, DELETE, OPTIONS");
        Answer post = send("POST", "/actuator/sluice/health", "{}", TOKEN);
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET, HEAD, OPTIONS");
    }

    @Test
    void conditionalWritesFollowRfc9110() {
        Map<String, String> yaml = Map.of("Authorization", "Bearer secret-token", "Content-Type", "application/yaml");
        String definition = "rate: { limit: 100, period: 1h }\nmatch: { paths: [\"/echo/conditional/**\"] }\n";
        assertThat(send("PUT", "/actuator/sluice/policies/conditional", definition,
                with(yaml, "If-None-Match", "*")).status()).isEqualTo(201);
        assertThat(send("PUT", "/actuator/sluice/policies/conditional", definition,
                with(yaml, "If-None-Match", "*")).status()).as("create only").isEqualTo(412);
        String etag = send("GET", "/actuator/sluice/policies/conditional", null, Map.of()).header("ETag");

        String patch = "{\"rate\":{\"limit\":50}}";
        assertThat(send("PATCH", "/actuator/sluice/policies/conditional", patch,
                with(merge(), "If-Match", "\"stale-version-0\"")).status()).isEqualTo(412);
        assertThat(send("PATCH", "/actuator/sluice/policies/conditional", patch,
                with(merge(), "If-Match", "W/" + etag)).status()).as("weak").isEqualTo(412);
        assertThat(send("PATCH", "/actuator/sluice/policies/conditional", patch,
                with(merge(), "If-Match", "stale")).status()).as("malformed").isEqualTo(400);
        Answer listed = send("PATCH", "/actuator/sluice/policies/conditional", patch,
                with(merge(), "If-Match", "\"0\", " + etag));
        assertThat(listed.status()).isEqualTo(200);
        assertThat(send("GET", "/actuator/sluice/policies/conditional", null,
                Map.of("If-None-Match", listed.header("ETag"))).status()).isEqualTo(304);
    }

    private static Map<String, String> with(Map<String, String> headers, String name, String value) {
        Map<String, String> more = new java.util.HashMap<>(headers);
        more.put(name, value);
        return more;
    }
}
