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

/** The Actuator endpoint sluice and the RequestRateLimiter with sluiceRateLimiter, on a real gateway. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementIT {
    private static final Map<String, String> TOKEN = Map.of("Authorization", "Bearer secret-token");
    private static final String TRACE_SECRET = "gateway-trace-secret-42";
    private RunningGateway gateway;

    @BeforeAll
    void start() {
        gateway = RunningGateway.start("managed", "sluice.trace.secret=" + TRACE_SECRET);
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
    void theActuatorEndpointIsListedAndClosedToAnonymousCallers() {
        assertThat(send("GET", "/actuator", null, Map.of()).body()).contains("/actuator/sluice");
        for (String path : new String[] {"/actuator/sluice", "/actuator/sluice/policies",
                "/actuator/sluice/policies/route-api", "/actuator/sluice/audit", "/actuator/sluice/health"}) {
            Answer anonymous = send("GET", path, null, Map.of());
            assertThat(anonymous.status()).as(path).isEqualTo(401);
            assertThat(anonymous.body()).as(path).doesNotContain("route-api");
        }
        assertThat(send("GET", "/actuator/sluice/policies", null, Map.of("Authorization", "Bearer wrong")).status())
                .isEqualTo(401);
        assertThat(send("DELETE", "/actuator/sluice/policies/route-api", null, Map.of()).status()).isEqualTo(401);
        assertThat(gateway.sluice().hasPolicy("route-api")).isTrue();
    }

    @Test
    void policiesAreReadAndChangedLiveThroughTheActuatorEndpoint() {
        Answer policy = send("GET", "/actuator/sluice/policies/route-api", null, TOKEN);
        assertThat(policy.status()).isEqualTo(200);
        assertThat(policy.body()).contains("\"name\":\"route-api\"");

        assertThat(send("POST", "/actuator/sluice/policies/route-api", "{\"patch\":\"rate: {limit: 5}\"}",
                json()).status()).as("no token").isEqualTo(401);
        Answer invalid = send("POST", "/actuator/sluice/policies/route-api",
                "{\"patch\":\"rate: {limit: -5}\"}", withToken(json()));
        assertThat(invalid.status()).as("invalid").isEqualTo(400);
        assertThat(invalid.body()).contains("rate.limit");
        assertThat(send("POST", "/actuator/sluice/policies/route-api",
                "{\"patch\":\"rate: {limit: 3}\",\"ifMatch\":\"999\"}", withToken(json())).status())
                .as("stale version").isEqualTo(412);
        assertThat(send("POST", "/actuator/sluice/policies/route-api", "{\"patch\":\"rate: {limit: 3}\"}",
                withToken(json())).status()).isEqualTo(200);
        assertThat(gateway.get("/echo/api/1").header("RateLimit-Policy")).isEqualTo("\"route-api\";q=3;w=3600");

        Answer created = send("POST", "/actuator/sluice/policies/everywhere", "{\"policy\":\"rate: {limit: 1, period: 1h}\\n"
                + "match: {paths: [/echo/global/**]}\"}", withToken(json()));
        assertThat(created.status()).isEqualTo(201);
        assertThat(gateway.get("/echo/global/a").status()).isEqualTo(200);
        assertThat(gateway.get("/echo/global/a").status()).as("the global filter applies the new policy")
                .isEqualTo(429);
        assertThat(send("DELETE", "/actuator/sluice/policies/everywhere/keys/*", null, TOKEN).status())
                .as("key reset").isEqualTo(204);
        assertThat(send("DELETE", "/actuator/sluice/policies/everywhere", null, TOKEN).status()).isEqualTo(204);
        assertThat(gateway.get("/echo/global/a").status()).isEqualTo(200);
        assertThat(send("GET", "/actuator/sluice/audit", null, TOKEN).body()).contains("everywhere")
                .as("a token caller is audited by the token's name and the address")
                .contains("\"who\":\"default\"").contains("\"address\":\"127.0.0.1\"");

        assertThat(send("GET", "/actuator/sluice/health", null, TOKEN).body()).contains("\"status\":\"UP\"");
        Answer health = send("GET", "/actuator/health", null, Map.of());
        assertThat(health.body()).as("the health contributor").contains("\"sluice\"");
        assertThat(send("GET", "/actuator/prometheus", null, Map.of()).body())
                .as("Sluice records into the application's registry").contains("sluice_requests_total");
        assertThat(send("GET", "/actuator/sluice/nope", null, TOKEN).status()).isEqualTo(404);
    }

    @Test
    void aCandidateRunsBesideAPolicyAndIsPromotedThroughTheActuatorEndpoint() {
        String trial = "/actuator/sluice/policies/trial";
        assertThat(send("POST", trial, "{\"policy\":\"rate: {limit: 100, period: 1h}\\n"
                + "match: {paths: [/echo/trial/**]}\"}", withToken(json())).status()).isEqualTo(201);
        assertThat(send("POST", trial + "/candidate", "{\"patch\":\"rate: {limit: 2}\\nexpires: 30m\"}", json())
                .status()).as("no token").isEqualTo(401);
        Answer put = send("POST", trial + "/candidate", "{\"policy\":\"rate: {limit: 2, period: 1h}\\n"
                + "match: {paths: [/echo/trial/**]}\\nexpires: 30m\"}", withToken(json()));
        assertThat(put.status()).as(put.body()).isEqualTo(201);
        for (int i = 0; i < 3; i++) {
            assertThat(gateway.get("/echo/trial/a").status()).as("the candidate changes no response")
                    .isEqualTo(200);
        }
        Answer report = send("GET", trial + "/candidate", null, TOKEN);
        assertThat(report.status()).as(report.body()).isEqualTo(200);
        assertThat(report.body()).contains("\"both-admit\":2", "\"only-candidate-refuses\":1",
                "\"candidate-only-keys\":[{\"key\":\"*\"", "\"method\":\"sketch\"");
        assertThat(send("GET", trial + "/candidate", null, Map.of()).status()).isEqualTo(401);

        long version = gateway.sluice().policyStore().get("trial").orElseThrow().version();
        assertThat(send("POST", trial + "/candidate/promote", "{}", withToken(json())).status())
                .as("without ifMatch").isEqualTo(428);
        assertThat(send("POST", trial + "/candidate/promote", "{\"ifMatch\":\"" + (version + 5) + "\"}",
                withToken(json())).status()).as("stale").isEqualTo(412);
        Answer promoted = send("POST", trial + "/candidate/promote", "{\"ifMatch\":\"" + version + "\"}",
                withToken(json()));
        assertThat(promoted.status()).as(promoted.body()).isEqualTo(200);
        assertThat(gateway.get("/echo/trial/b").header("RateLimit-Policy")).isEqualTo("\"trial\";q=2;w=3600");
        assertThat(send("GET", trial + "/candidate", null, TOKEN).status()).isEqualTo(404);

        assertThat(send("POST", trial + "/candidate", "{\"patch\":\"rate: {limit: 9}\"}", withToken(json()))
                .status()).isEqualTo(201);
        assertThat(send("DELETE", trial + "/candidate", null, Map.of()).status()).isEqualTo(401);
        assertThat(send("DELETE", trial + "/candidate", null, TOKEN).status()).isEqualTo(204);
        assertThat(send("DELETE", trial + "/candidate", null, TOKEN).status()).isEqualTo(404);
        assertThat(send("GET", "/actuator/sluice/audit?policy=trial", null, TOKEN).body()).contains(
                "\"action\":\"candidate-put\"", "\"action\":\"promote\"", "\"action\":\"candidate-delete\"");
        assertThat(send("DELETE", trial, null, TOKEN).status()).isEqualTo(204);
    }

    @Test
    void topKeysAndKeyPagesAreReadThroughTheActuatorEndpointWithTheirParameters() {
        gateway.get("/echo/api/top-1", Map.of());
        Answer top = send("GET", "/actuator/sluice/policies/route-api/top?outcome=admitted&window=10m&limit=5",
                null, TOKEN);
        assertThat(top.status()).as(top.body()).isEqualTo(200);
        assertThat(top.body()).contains("\"policy\":\"route-api\"", "\"outcome\":\"admitted\"",
                "\"window\":\"10m\"", "\"nodes\":1", "\"key\":\"*\"");
        Answer bad = send("GET", "/actuator/sluice/policies/route-api/top?window=2h", null, TOKEN);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("\"parameter\":\"window\"");
        Answer keys = send("GET", "/actuator/sluice/policies/route-api/keys?limit=1", null, TOKEN);
        assertThat(keys.status()).as(keys.body()).isEqualTo(200);
        assertThat(keys.body()).contains("\"keys\":[{\"key\":\"*\"", "\"next\":null");
        assertThat(send("GET", "/actuator/sluice/policies/route-api/top", null, Map.of()).status()).isEqualTo(401);
    }

    @Test
    void theDecisionTraceAnswersTheGatewaysRoutesOnlyWithTheSecret() {
        Answer traced = gateway.get("/echo/api/trace", Map.of("Sluice-Trace", TRACE_SECRET));
        // each stage adds its line: the global filter (no global policy applies: none), then the route's filter
        assertThat(traced.headers().getAll("Sluice-Decision")).containsExactly("none",
                traced.headers().getAll("Sluice-Decision").get(1));
        assertThat(traced.headers().getAll("Sluice-Decision").get(1)).startsWith("route-api;key=\"*\";outcome=")
                .contains(";via=local");
        assertThat(gateway.get("/echo/api/trace", Map.of("Sluice-Trace", "wrong-secret-wrong-secret"))
                .header("Sluice-Decision")).isNull();
        assertThat(gateway.get("/echo/api/trace", Map.of()).header("Sluice-Decision")).isNull();
    }

    private static Map<String, String> json() {
        return Map.of("Content-Type", "application/json");
    }

    private static Map<String, String> withToken(Map<String, String> headers) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.putAll(TOKEN);
        return all;
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
