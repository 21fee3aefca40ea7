package dev.sluice.boot.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Actuator endpoint sluice on real Spring MVC applications: exposed (policies and their candidates), not exposed,
 * on a management port.
 */
class ActuatorEndpointIT {
    private static final Map<String, String> TOKEN = Map.of("Authorization", "Bearer secret-token");
    private static final String POLICY = "sluice.policies[0].name=hello-rate";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Nested
    @SpringBootTest(classes = MvcTestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {"server.address=127.0.0.1", "management.endpoints.web.exposure.include=health,sluice",
                    "sluice.management.token=secret-token", POLICY, "sluice.policies[0].match.paths[0]=/hello",
                    "sluice.policies[0].rate.limit=3", "sluice.policies[0].rate.period=30s"})
    class Exposed {
        @LocalServerPort
        int port;
        @Autowired
        Sluice sluice;

        @Test
        void isListedAndAnswersNothingWithoutCredentials() {
            Http http = new Http(port);
            assertThat(http.get("/actuator").body()).contains("/actuator/sluice");
            for (String path : new String[] {"/actuator/sluice", "/actuator/sluice/policies",
                    "/actuator/sluice/policies/hello-rate", "/actuator/sluice/audit", "/actuator/sluice/health",
                    "/actuator/sluice/policies/hello-rate/keys/*"}) {
                HttpResponse<String> anonymous = http.get(path);
                assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
                assertThat(anonymous.body()).as(path).doesNotContain("\"rate\"");
            }
            assertThat(http.get("/actuator/sluice/policies", Map.of("Authorization", "Bearer nope")).statusCode())
                    .isEqualTo(401);
            HttpResponse<String> write = http.send("POST", "/actuator/sluice/policies/hello-rate",
                    "{\"patch\":\"rate: {limit: 9}\"}", Map.of());
            assertThat(write.statusCode()).as(write.body()).isEqualTo(401);
            assertThat(http.send("DELETE", "/actuator/sluice/policies/hello-rate", null, Map.of()).statusCode())
                    .isEqualTo(401);
            assertThat(sluice.policies().get(0).policy().rate().limit()).isNotEqualTo(9);
        }

        @Test
        void readsAndChangesPoliciesWithTheToken() {
            Http http = new Http(port);
            HttpResponse<String> one = http.get("/actuator/sluice/policies/hello-rate", TOKEN);
            assertThat(one.statusCode()).isEqualTo(200);
            assertThat(one.body()).contains("\"name\":\"hello-rate\"");
            assertThat(http.get("/actuator/sluice", TOKEN).body()).contains("hello-rate");

            HttpResponse<String> invalid = http.send("POST", "/actuator/sluice/policies/hello-rate",
                    "{\"patch\":\"rate: {limit: -5}\"}", TOKEN);
            assertThat(invalid.statusCode()).isEqualTo(400);
            assertThat(invalid.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                    assertThat(type).startsWith("application/problem+json"));
            assertThat(invalid.body()).contains("rate.limit");
            assertThat(http.send("POST", "/actuator/sluice/policies/hello-rate",
                    "{\"patch\":\"rate: {limit: 5}\",\"ifMatch\":\"999\"}", TOKEN).statusCode())
                    .as("stale If-Match").isEqualTo(412);
            assertThat(http.send("POST", "/actuator/sluice/policies/hello-rate",
                    "{\"patch\":\"{\\\"rate\\\":{\\\"limit\\\":5}}\"}", TOKEN).statusCode()).isEqualTo(200);
            assertThat(sluice.policies().get(0).policy().rate().limit()).isEqualTo(5);

            assertThat(http.send("POST", "/actuator/sluice/policies/extra",
                    "{\"policy\":\"match: {paths: [/free]}\\nrate: {limit: 1, period: 1h}\"}",
                    TOKEN).statusCode()).isEqualTo(201);
            assertThat(http.get("/free").statusCode()).isEqualTo(200);
            assertThat(http.get("/free").statusCode()).as("the new policy applies at once").isEqualTo(429);
            assertThat(http.send("DELETE", "/actuator/sluice/policies/extra/keys/*", null, TOKEN)
                    .statusCode()).as("key reset").isEqualTo(204);
            assertThat(http.get("/free").statusCode()).isEqualTo(200);
            assertThat(http.send("DELETE", "/actuator/sluice/policies/extra", null, TOKEN).statusCode())
                    .isEqualTo(204);
            assertThat(http.get("/actuator/sluice/audit", TOKEN).body()).contains("extra")
                    .as("a token caller is audited by the token's name and the address")
                    .contains("\"who\":\"default\"").contains("\"address\":\"127.0.0.1\"");
            assertThat(http.send("POST", "/actuator/sluice/policies/hello-rate", "{}", TOKEN).statusCode())
                    .as("neither policy nor patch").isEqualTo(400);
        }

        @Test
        void runsACandidateBesideAPolicyAndPromotesItWithTheLiveVersion() {
            Http http = new Http(port);
            assertThat(http.send("POST", "/actuator/sluice/policies/trial",
                    "{\"policy\":\"match: {paths: [/work/quick]}\\nrate: {limit: 100, period: 1h}\"}", TOKEN)
                    .statusCode()).isEqualTo(201);
            HttpResponse<String> put = http.send("POST", "/actuator/sluice/policies/trial/candidate",
                    "{\"policy\":\"match: {paths: [/work/quick]}\\nrate: {limit: 2, period: 1h}\\nexpires: 30m\"}",
                    TOKEN);
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
            for (int i = 0; i < 3; i++) {
                assertThat(http.get("/work/quick").statusCode()).as("the candidate changes no response")
                        .isEqualTo(200);
            }

            HttpResponse<String> report = http.get("/actuator/sluice/policies/trial/candidate", TOKEN);
            assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
            JsonNode counts = JSON.readTree(report.body());
            assertThat(counts.get("decisions").get("both-admit").asLong()).isEqualTo(2);
            assertThat(counts.get("decisions").get("only-candidate-refuses").asLong()).isEqualTo(1);
            assertThat(counts.get("candidate-only-keys").get(0).get("key").asString()).isEqualTo("*");
            assertThat(counts.get("candidate-only-keys-counted").get("method").asString()).isEqualTo("sketch");
            assertThat(counts.get("expires-in-seconds").asDouble()).isBetween(1700.0, 1800.0);

            assertThat(http.send("POST", "/actuator/sluice/policies/trial/candidate",
                    "{\"patch\":\"rate: {limit: 1}\"}", TOKEN).statusCode()).as("a patch replaces it").isEqualTo(200);
            long version = JSON.readTree(http.get("/actuator/sluice/policies/trial", TOKEN).body()).get("version")
                    .asLong();
            HttpResponse<String> without = http.send("POST", "/actuator/sluice/policies/trial/candidate/promote",
                    "{}", TOKEN);
            assertThat(without.statusCode()).as(without.body()).isEqualTo(428);
            assertThat(http.send("POST", "/actuator/sluice/policies/trial/candidate/promote",
                    "{\"ifMatch\":\"" + (version + 5) + "\"}", TOKEN).statusCode()).as("stale").isEqualTo(412);
            HttpResponse<String> promoted = http.send("POST", "/actuator/sluice/policies/trial/candidate/promote",
                    "{\"ifMatch\":\"" + version + "\"}", TOKEN);
            assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
            assertThat(JSON.readTree(promoted.body()).get("version").asLong()).isGreaterThan(version);
            assertThat(sluice.policyStore().get("trial").orElseThrow().policy().rate().limit()).isEqualTo(1);
            assertThat(http.get("/actuator/sluice/policies/trial/candidate", TOKEN).statusCode()).isEqualTo(404);

            assertThat(http.send("POST", "/actuator/sluice/policies/trial/candidate",
                    "{\"patch\":\"rate: {limit: 7}\"}", TOKEN).statusCode()).isEqualTo(201);
            assertThat(http.send("DELETE", "/actuator/sluice/policies/trial/candidate", null, Map.of()).statusCode())
                    .as("no credentials").isEqualTo(401);
            assertThat(http.send("DELETE", "/actuator/sluice/policies/trial/candidate", null, TOKEN).statusCode())
                    .isEqualTo(204);
            assertThat(http.send("DELETE", "/actuator/sluice/policies/trial/candidate", null, TOKEN).statusCode())
                    .isEqualTo(404);
            assertThat(http.get("/actuator/sluice/audit?policy=trial", TOKEN).body()).contains(
                    "\"action\":\"candidate-put\"", "\"action\":\"candidate-patch\"", "\"action\":\"promote\"",
                    "\"action\":\"candidate-delete\"");
            assertThat(http.send("DELETE", "/actuator/sluice/policies/trial", null, TOKEN).statusCode())
                    .isEqualTo(204);
        }
    }

    @Nested
    @SpringBootTest(classes = MvcTestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {"server.address=127.0.0.1", "sluice.management.token=secret-token", POLICY,
                    "sluice.policies[0].rate.limit=3", "sluice.policies[0].rate.period=30s"})
    class NotExposed {
        @LocalServerPort
        int port;

        @Test
        void answers404EvenWithTheToken() {
            Http http = new Http(port);
            assertThat(http.get("/actuator/sluice/policies", TOKEN).statusCode()).isEqualTo(404);
            assertThat(http.get("/actuator/sluice", TOKEN).statusCode()).isEqualTo(404);
        }
    }

    @Nested
    @SpringBootTest(classes = MvcTestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {"server.address=127.0.0.1", "management.server.port=0",
                    "management.server.address=127.0.0.1", "management.endpoints.web.exposure.include=sluice",
                    "sluice.management.token=secret-token", POLICY, "sluice.policies[0].rate.limit=3",
                    "sluice.policies[0].rate.period=30s"})
    class OnTheManagementPort {
        @LocalServerPort
        int port;
        @LocalManagementPort
        int managementPort;

        @Test
        void isServedThereOnly() {
            assertThat(managementPort).isNotEqualTo(port);
            assertThat(new Http(port).get("/actuator/sluice/policies", TOKEN).statusCode()).isEqualTo(404);
            Http management = new Http(managementPort);
            assertThat(management.get("/actuator/sluice/policies").statusCode()).isEqualTo(401);
            assertThat(management.get("/actuator/sluice/policies", TOKEN).body()).contains("hello-rate");
        }
    }
}
