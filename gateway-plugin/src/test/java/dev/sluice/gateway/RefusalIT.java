package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Admission;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.gateway.RunningGateway.Answer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.json.JsonMapper;

/** Refusals through a real gateway in front of a real backend. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RefusalIT {
    private final JsonMapper json = JsonMapper.builder().build();
    private RunningGateway gateway;

    @BeforeAll
    void start() {
        gateway = RunningGateway.start("refusals");
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    @Test
    void refusesOverTheInlineRateWithTheHeadersAndBodyOfTheEngineWithoutReachingTheBackend() throws Exception {
        Map<String, String> key = Map.of("X-Api-Key", "refusal");
        int before = gateway.backend.requests.get();
        Answer first = gateway.get("/echo/api/a", key);
        Answer second = gateway.get("/echo/api/a", key);
        Answer third = gateway.get("/echo/api/a", key);

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("/echo/api/a");
        assertThat(second.status()).isEqualTo(200);
        assertThat(third.status()).isEqualTo(429);
        assertThat(gateway.backend.requests.get() - before).as("the refusal never reached the backend").isEqualTo(2);

        // The same policy in an engine of its own, asked the same three times: the adapter must answer exactly what
        // the Admission says, as the servlet filter does.
        Policy policy = gateway.sluice().policies().stream().filter(p -> p.name().equals("route-api")).findFirst()
                .orElseThrow().policy();
        try (Sluice reference = Sluice.builder().policies(new PolicySet(List.of(policy))).build()) {
            TestView view = new TestView("/echo/api/a", Map.of("X-Api-Key", "refusal"));
            Admission one = reference.admit(view, "route-api").join();
            reference.admit(view, "route-api").join();
            Admission refused = reference.admit(view, "route-api").join();
            assertHeadersLike(first, one);
            assertHeadersLike(third, refused);
            assertThat(third.header("Content-Type")).isEqualTo("application/problem+json");
            Map<String, Object> body = withoutTimes(json.readValue(third.body(), LinkedHashMap.class));
            Map<String, Object> expected = withoutTimes(json.readValue(refused.problemJson(), LinkedHashMap.class));
            assertThat(body).isEqualTo(expected).containsEntry("policy", "route-api").containsEntry("status", 429);
        }
    }

    private static void assertHeadersLike(Answer answer, Admission admission) {
        for (Admission.Header header : admission.headers()) {
            String actual = answer.header(header.name());
            assertThat(actual).as(header.name()).isNotNull();
            if (header.name().equals("RateLimit-Policy")) {
                assertThat(actual).isEqualTo(header.value());
            } else {
                // Seconds until refill may differ by one between two engines started a moment apart.
                assertThat(actual.replaceAll("[0-9]+", "N")).as(header.name())
                        .isEqualTo(header.value().replaceAll("[0-9]+", "N"));
            }
        }
    }

    private static Map<String, Object> withoutTimes(Map<String, Object> problem) {
        Map<String, Object> copy = new LinkedHashMap<>(problem);
        assertThat(copy.remove("retryAfter")).isNotNull();
        copy.computeIfPresent("detail", (name, text) -> text.toString().replaceAll("[0-9]+ s", "N s"));
        return copy;
    }

    @Test
    void aNamedPolicyIsSharedAndTheGlobalFilterLeavesItToItsRoute() {
        assertThat(gateway.get("/echo/shared/a").status()).isEqualTo(200);
        Answer second = gateway.get("/echo/shared/b");
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.header("RateLimit-Policy")).as("only the route's policy applied")
                .isEqualTo("\"shared-rate\";q=2;w=3600");
        Answer third = gateway.get("/echo/shared/c");
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.body()).contains("\"policy\":\"shared-rate\"");
    }

    @Test
    void theGlobalFilterAppliesUnboundPoliciesToEveryRoute() {
        assertThat(gateway.get("/echo/global/a").status()).isEqualTo(200);
        Answer refused = gateway.get("/echo/global/a");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.body()).contains("\"policy\":\"everywhere\"");
        assertThat(gateway.get("/echo/other").header("RateLimit-Policy")).as("no policy matched").isNull();
    }

    @Test
    void escapedAndDotSegmentPathsDoNotSlipPastAPathPolicy() {
        assertThat(gateway.get("/echo/escaped/a").status()).isEqualTo(200);
        assertThat(gateway.get("/echo/%65scaped/b").status()).as("decoded, it is /echo/escaped/b").isEqualTo(429);
        assertThat(gateway.get("/echo/x/../escaped/c").status()).as("normalised, it is /echo/escaped/c")
                .isEqualTo(429);
    }
}
