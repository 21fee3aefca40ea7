package dev.sluice.boot.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.management.ManagementRequest;
import dev.sluice.core.management.ManagementResponse;
import dev.sluice.core.management.ManagementService;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Actuator endpoint's writes answer as the REST API does: each case is sent over HTTP to {@code /actuator/sluice}
 * and, as the REST API call it stands for (method, {@code If-Match}, body), to the application's own
 * {@link ManagementService}, the code behind the servlet REST API; status, content type and problem body must agree.
 * Every case fails, so neither changes anything and the two answers see the same state.
 */
@SpringBootTest(classes = MvcTestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"server.address=127.0.0.1", "management.endpoints.web.exposure.include=sluice",
                "sluice.management.token=secret-token", "sluice.policies[0].name=hello-rate",
                "sluice.policies[0].match.paths[0]=/hello", "sluice.policies[0].rate.limit=3",
                "sluice.policies[0].rate.period=30s"})
class ActuatorWritesIT {
    private static final Map<String, String> TOKEN = Map.of("Authorization", "Bearer secret-token");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;
    @Autowired
    ManagementService service;

    private HttpResponse<String> actuator(String method, String path, Map<String, Object> body) {
        return new Http(port).send(method, "/actuator/sluice" + path, body == null ? null
                : JSON.writeValueAsString(body), TOKEN);
    }

    private ManagementResponse rest(String method, String path, String contentType, String body, String ifMatch)
            throws Exception {
        Map<String, String> headers = new LinkedHashMap<>(TOKEN);
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        if (ifMatch != null) {
            headers.put("If-Match", ifMatch);
        }
        return service.handle(new ManagementRequest(method, path, ManagementRequest.Headers.of(headers),
                body == null ? null : body.getBytes(StandardCharsets.UTF_8), false, "127.0.0.1"))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static void assertSameAnswer(HttpResponse<String> actuator, ManagementResponse rest, int status) {
        assertThat(actuator.statusCode()).as(actuator.body()).isEqualTo(status);
        assertThat(rest.status()).isEqualTo(status);
        assertThat(actuator.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith(ManagementResponse.PROBLEM));
        assertThat(rest.contentType()).startsWith(ManagementResponse.PROBLEM);
        JsonNode mine = JSON.readTree(actuator.body());
        JsonNode theirs = JSON.readTree(rest.body());
        assertThat(mine).as("the problem body").isEqualTo(theirs);
    }

    private long version() {
        HttpResponse<String> policy = new Http(port).get("/actuator/sluice/policies/hello-rate", TOKEN);
        return JSON.readTree(policy.body()).get("version").asLong();
    }

    @Test
    void anInvalidPatchIsRefusedWithTheSameErrors() throws Exception {
        assertSameAnswer(actuator("POST", "/policies/hello-rate", Map.of("patch", "rate: {limit: -5, perod: 1s}")),
                rest("PATCH", "/policies/hello-rate", "application/merge-patch+json",
                        "{\"rate\":{\"limit\":-5,\"perod\":\"1s\"}}", null), 400);
    }

    @Test
    void anInvalidPolicyIsRefusedWithTheSameErrors() throws Exception {
        String policy = "match: {paths: [/x]}\nrate: {limit: 0, period: 1s}\nqueue: {depth: -1}\n";
        assertSameAnswer(actuator("POST", "/policies/other", Map.of("policy", policy)),
                rest("PUT", "/policies/other", "application/yaml", policy, null), 400);
        assertThat(new Http(port).get("/actuator/sluice/policies/other", TOKEN).statusCode()).isEqualTo(404);
    }

    @Test
    void anInvalidCandidateIsRefusedWithTheSameErrors() throws Exception {
        assertSameAnswer(actuator("POST", "/policies/hello-rate/candidate",
                        Map.of("patch", "rate: {limit: -5}\nexpires: 2d")),
                rest("PATCH", "/policies/hello-rate/candidate", "application/merge-patch+json",
                        "{\"rate\":{\"limit\":-5},\"expires\":\"2d\"}", null), 400);
        String policy = "rate: {limit: 0, period: 1s}";
        assertSameAnswer(actuator("POST", "/policies/hello-rate/candidate", Map.of("policy", policy)),
                rest("PUT", "/policies/hello-rate/candidate", "application/json",
                        "{\"rate\":{\"limit\":0,\"period\":\"1s\"}}", null), 400);
        assertSameAnswer(actuator("POST", "/policies/hello-rate/candidate/promote", Map.of("ifMatch", "1")),
                rest("POST", "/policies/hello-rate/candidate/promote", null, null, "\"1\""), 404);
    }

    @Test
    void aStaleVersionAnswers412WithTheCurrentOne() throws Exception {
        long now = version();
        String stale = Long.toString(now + 41);
        HttpResponse<String> actuator = actuator("POST", "/policies/hello-rate",
                Map.of("patch", "rate: {limit: 9}", "ifMatch", stale));
        assertSameAnswer(actuator, rest("PATCH", "/policies/hello-rate", "application/merge-patch+json",
                "{\"rate\":{\"limit\":9}}", "\"" + stale + "\""), 412);
        assertThat(actuator.body()).contains(Long.toString(now));
        assertSameAnswer(actuator("POST", "/policies/hello-rate",
                        Map.of("policy", "rate: {limit: 9, period: 1s}", "ifMatch", stale)),
                rest("PUT", "/policies/hello-rate", "application/yaml", "rate: {limit: 9, period: 1s}",
                        "\"" + stale + "\""), 412);
        assertSameAnswer(new Http(port).send("DELETE", "/actuator/sluice/policies/hello-rate?ifMatch=" + stale,
                null, TOKEN), rest("DELETE", "/policies/hello-rate", null, null, "\"" + stale + "\""), 412);
        assertThat(version()).as("nothing changed").isEqualTo(now);
    }

    @Test
    void ifMatchTakesTheRestApisForms() throws Exception {
        long now = version();
        assertSameAnswer(actuator("POST", "/policies/hello-rate",
                        Map.of("patch", "rate: {limit: 9}", "ifMatch", "W/\"" + now + "\"")),
                rest("PATCH", "/policies/hello-rate", "application/merge-patch+json", "{\"rate\":{\"limit\":9}}",
                        "W/\"" + now + "\""), 412);
        assertSameAnswer(actuator("POST", "/policies/absent", Map.of("policy", "rate: {limit: 9, period: 1s}",
                        "ifMatch", "*")),
                rest("PUT", "/policies/absent", "application/yaml", "rate: {limit: 9, period: 1s}", "*"), 412);
        assertSameAnswer(actuator("POST", "/policies/hello-rate",
                        Map.of("patch", "rate: {limit: 9}", "ifMatch", "\"unterminated")),
                rest("PATCH", "/policies/hello-rate", "application/merge-patch+json", "{\"rate\":{\"limit\":9}}",
                        "\"unterminated"), 400);
        assertThat(version()).as("nothing changed").isEqualTo(now);

        HttpResponse<String> listed = actuator("POST", "/policies/hello-rate",
                Map.of("patch", "rate: {limit: 4}", "ifMatch", (now + 40) + ", " + now));
        assertThat(listed.statusCode()).as("a list of versions, one current: " + listed.body()).isEqualTo(200);
        assertThat(version()).isGreaterThan(now);
    }
}
