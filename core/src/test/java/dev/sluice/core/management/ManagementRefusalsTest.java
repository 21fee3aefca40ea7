package dev.sluice.core.management;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Match;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Rate;
import dev.sluice.core.spi.VersionedPolicy;
import dev.sluice.core.testkit.ManualScheduler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Every way a call is refused: the status, an RFC 9457 problem body naming what was wrong, and nothing changed. */
class ManagementRefusalsTest {
    private static final String TOKEN = "refusals-token";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ManualScheduler time = new ManualScheduler();
    private Sluice sluice;
    private ManagementService service;
    private List<VersionedPolicy> before;

    @BeforeEach
    void start() {
        sluice = Sluice.builder().scheduler(time).policies(new PolicySet(List.of(
                Policy.builder("api").rate(new Rate(10, Duration.ofSeconds(1))).build(),
                Policy.builder("jobs").match(new Match(List.of("/jobs/**"), Set.of(), List.of())).key("header:K")
                        .concurrency(new Concurrency(2)).queue(new QueueLimit(5, Duration.ofMinutes(1))).build())))
                .build();
        service = new ManagementService(sluice, ManagementSettings.withToken(TOKEN));
        before = sluice.policyStore().list();
    }

    @AfterEach
    void stop() {
        service.close();
        sluice.close();
    }

    /** Sends with the token; asserts the status, a problem body and that the policies did not change. */
    private JsonNode refused(ManagementCall call, int status) {
        ManagementResponse answer = call.bearer(TOKEN).send(service);
        return problem(answer, status);
    }

    private JsonNode problem(ManagementResponse answer, int status) {
        assertThat(answer.status()).as(answer.bodyText()).isEqualTo(status);
        assertThat(answer.contentType()).isEqualTo("application/problem+json");
        JsonNode body = JSON.readTree(answer.bodyText());
        assertThat(body.get("type").asString()).startsWith("urn:sluice:problem:management:");
        assertThat(body.get("title").asString()).isNotBlank();
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("detail").asString()).isNotBlank();
        assertThat(sluice.policyStore().list()).as("nothing changed").isEqualTo(before);
        return body;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "{\"rate\":{\"limit\":\"five\"}}                    | rate.limit         | integer",
        "{\"rate\":{\"limit\":2.5}}                         | rate.limit         | integer",
        "{\"rate\":{\"limit\":-5}}                          | rate.limit         | -5",
        "{\"rate\":{\"limit\":0}}                           | rate.limit         | 1 to",
        "{\"rate\":{\"limit\":99999999999999999999}}        | rate.limit         | 99999999999999999999",
        "{\"rate\":{\"limit\":1e400}}                       | rate.limit         | integer",
        "{\"rate\":{\"limit\":true}}                        | rate.limit         | integer",
        "{\"rate\":{\"limit\":8.8E-3153167425319330}}       | rate.limit         | 8.8E-3153167425319330",
        "{\"rate\":{\"period\":\"1000000d\"}}               | rate.period        | 1000000d",
        "{\"rate\":{\"period\":\"5 parsecs\"}}              | rate.period        | 5 parsecs",
        "{\"rate\":{\"period\":\"0s\"}}                     | rate.period        | 1ms to 1d",
        "{\"rate\":{\"period\":7}}                          | rate.period        | 7",
        "{\"rate\":{\"burst\":-1}}                          | rate.burst         | -1",
        "{\"rate\":{\"limit\":5,\"colour\":1}}              | rate               | unknown field \"colour\"",
        "{\"colour\":\"red\"}                               | colour             | unknown",
        "{\"rate\":[5]}                                     | rate               | object",
        "{\"concurrency\":{\"permits\":0}}                  | concurrency.permits | 0",
        "{\"concurrency\":{\"permits\":\"3\"}}              | concurrency.permits | integer",
        "{\"concurrency\":{\"lease\":\"-1s\"}}              | concurrency.lease  | -1s",
        "{\"queue\":{\"depth\":-1,\"max-wait\":\"1s\"}}     | queue.depth        | -1",
        "{\"queue\":{\"depth\":5,\"max-wait\":\"100000d\"}} | queue.max-wait     | 100000d",
        "{\"queue\":{\"depth\":5}}                          | queue.max-wait     | required",
        "{\"quota\":{\"limit\":5}}                          | quota.period       | required",
        "{\"mode\":\"loud\"}                                | mode               | loud",
        "{\"scope\":\"galaxy\"}                             | scope              | galaxy",
        "{\"scope\":\"cluster\"}                            | scope              | cluster",
        "{\"key\":\"header:\"}                              | key                | header:",
        "{\"match\":{\"paths\":[\"api\"]}}                  | match.paths[0]     | api",
        "{\"match\":{\"paths\":{\"a\":1}}}                  | match.paths        | list",
        "{\"headers\":\"loud\"}                             | headers            | loud",
        "{\"missing-key\":\"maybe\"}                        | missing-key        | maybe",
        "{\"on-backend-failure\":\"panic\"}                 | on-backend-failure | panic",
        "{\"reject\":{\"status\":200}}                      | reject.status      | 200",
        "{\"name\":\"other\"}                               | name               | renamed",
        "{\"rate\":{\"limit\":5},\"rate\":{\"limit\":6}}    | ~~                 | \"rate\" twice",
    })
    void aBadPatchAnswers400NamingTheField(String body, String field, String mentioned) {
        JsonNode problem = refused(ManagementCall.patch("/policies/api").json(body), 400);
        assertThat(problem.get("type").asString()).endsWith(":invalid-policy");
        assertThat(problem.get("errors").isArray()).isTrue();
        assertThat(problem.get("errors")).anySatisfy(error -> {
            assertThat(error.get("field").asString()).isEqualTo(field);
            assertThat(error.get("message").asString()).containsIgnoringCase(mentioned);
        });
        assertThat(problem.get("detail").asString()).contains(field).endsWith("Nothing was changed.");
    }

    @Test
    void malformedJsonNamesTheLineAndColumn() {
        JsonNode problem = refused(ManagementCall.patch("/policies/api").json("{\"rate\":\n  {\"limit\": 5,,}}"), 400);
        JsonNode error = problem.get("errors").get(0);
        assertThat(error.get("message").asString()).contains("not valid JSON");
        assertThat(error.get("line").asInt()).isEqualTo(2);
        assertThat(error.get("column").asInt()).isPositive();
    }

    @Test
    void bodiesThatAreNotAJsonObjectAnswer400() {
        for (String body : List.of("[1]", "5", "\"rate\"", "null", "rate: {limit: 5}", "{", "}")) {
            JsonNode problem = refused(ManagementCall.patch("/policies/api").json(body), 400);
            assertThat(problem.get("errors")).as(body).isNotEmpty();
        }
        JsonNode empty = refused(ManagementCall.put("/policies/api").json(""), 400);
        assertThat(empty.get("errors").get(0).get("message").asString()).contains("empty");
        refused(ManagementCall.put("/policies/api").json("[{\"rate\":{\"limit\":1}}]"), 400);
    }

    @Test
    void limitsOfTheReaderAnswer400() {
        String deep = "{\"a\":".repeat(40) + "1" + "}".repeat(40);
        refused(ManagementCall.patch("/policies/api").json(deep), 400);
        String longString = "{\"mode\":\"" + "x".repeat(20_000) + "\"}";
        refused(ManagementCall.patch("/policies/api").json(longString), 400);
        String longNumber = "{\"rate\":{\"limit\":" + "9".repeat(500) + "}}";
        refused(ManagementCall.patch("/policies/api").json(longNumber), 400);
    }

    @Test
    void aBodyThatIsNotUtf8Answers400() {
        byte[] latin1 = "{\"mode\":\"sh\u00e4dow\"}".getBytes(StandardCharsets.ISO_8859_1);
        JsonNode problem = refused(ManagementCall.patch("/policies/api")
                .header("Content-Type", "application/merge-patch+json").bytes(latin1), 400);
        assertThat(problem.get("type").asString()).endsWith(":bad-encoding");
    }

    @Test
    void aPutWhoseBodyNamesAnotherPolicyAnswers400() {
        JsonNode problem = refused(ManagementCall.put("/policies/api")
                .json("{\"name\":\"jobs\",\"rate\":{\"limit\":1,\"period\":\"1s\"}}"), 400);
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo("name");
        JsonNode badName = refused(ManagementCall.put("/policies/no%20spaces")
                .json("{\"rate\":{\"limit\":1,\"period\":\"1s\"}}"), 400);
        assertThat(badName.get("errors").get(0).get("field").asString()).isEqualTo("name");
    }

    @Test
    void unknownPathsAndPoliciesAnswer404() {
        for (String path : List.of("/nothing", "/policies/api/extra", "/policies/api/top/x", "/audit/1",
                "/policies/api/keys/a/b", "/metrics/x", "/policies/api/keys/a%2Fb/c")) {
            JsonNode problem = problem(ManagementCall.get(path).send(service), 404);
            assertThat(problem.get("detail").asString()).as(path).contains("/policies/{name}");
        }
        for (ManagementCall call : List.of(ManagementCall.get("/policies/ghost"),
                ManagementCall.patch("/policies/ghost").json("{\"rate\":{\"limit\":5}}"),
                ManagementCall.delete("/policies/ghost"), ManagementCall.get("/policies/ghost/keys/a"),
                ManagementCall.delete("/policies/ghost/keys/a"))) {
            JsonNode problem = refused(call, 404);
            assertThat(problem.get("detail").asString()).contains("'ghost'");
        }
        assertThat(sluice.policyStore().get("ghost")).as("PATCH never creates").isEmpty();
    }

    @Test
    void wrongMethodsAnswer405WithAllow() {
        record Case(String method, String path, String allow) { }
        String reads = "GET, HEAD, OPTIONS";
        String policy = "GET, HEAD, PUT, PATCH, DELETE, OPTIONS";
        for (Case c : List.of(new Case("POST", "/policies", reads), new Case("DELETE", "/policies", reads),
                new Case("POST", "/policies/api", policy),
                new Case("PUT", "/policies/api/keys/a", "GET, HEAD, DELETE, OPTIONS"),
                new Case("PATCH", "/metrics", reads), new Case("DELETE", "/health", reads),
                new Case("PUT", "/audit", reads), new Case("TRACE", "/policies/api", policy),
                new Case("patch", "/policies/api", policy), new Case("head", "/policies", reads))) {
            ManagementResponse answer = ManagementCall.of(c.method(), c.path()).bearer(TOKEN).send(service);
            problem(answer, 405);
            assertThat(answer.headers()).as(c.method() + " " + c.path()).containsEntry("Allow", c.allow());
        }
    }

    @Test
    void unsupportedMediaTypesAnswer415() {
        String patch = "{\"rate\":{\"limit\":5}}";
        ManagementResponse text = ManagementCall.patch("/policies/api").body("text/plain", patch).bearer(TOKEN)
                .send(service);
        problem(text, 415);
        assertThat(text.headers()).containsEntry("Accept-Patch", "application/merge-patch+json");
        refused(ManagementCall.patch("/policies/api").body("application/yaml", "rate: {limit: 5}"), 415);
        refused(ManagementCall.patch("/policies/api").bytes(patch.getBytes(StandardCharsets.UTF_8)), 415);
        refused(ManagementCall.put("/policies/api").body("application/xml", "<policy/>"), 415);
        refused(ManagementCall.put("/policies/api").body("application/merge-patch+json", patch), 415);
        JsonNode missing = refused(ManagementCall.put("/policies/api")
                .bytes("{}".getBytes(StandardCharsets.UTF_8)), 415);
        assertThat(missing.get("detail").asString()).contains("missing", "application/json");
    }

    @Test
    void oversizedBodiesAnswer413() {
        String huge = "{\"rate\":{\"limit\":5},\"x\":\"" + "a".repeat(70_000) + "\"}";
        JsonNode problem = refused(ManagementCall.patch("/policies/api").json(huge), 413);
        assertThat(problem.get("detail").asString()).contains("65536");
        refused(ManagementCall.put("/policies/api").json("{}").tooLarge(), 413);
        try (ManagementService small = new ManagementService(sluice, ManagementSettings.builder().token(TOKEN)
                .maxBodyBytes(16).build())) {
            problem(ManagementCall.patch("/policies/api").json("{\"rate\":{\"limit\":5}}").bearer(TOKEN)
                    .send(small), 413);
        }
    }

    @Test
    void staleOrImpossibleConditionsAnswer412() {
        long version = sluice.policyStore().get("api").orElseThrow().version();
        String patch = "{\"rate\":{\"limit\":5}}";
        JsonNode stale = refused(ManagementCall.patch("/policies/api").json(patch)
                .header("If-Match", "\"" + (version + 50) + "\""), 412);
        assertThat(stale.get("current-version").asLong()).isEqualTo(version);
        assertThat(stale.get("policy").asString()).isEqualTo("api");
        refused(ManagementCall.put("/policies/api").json("{\"rate\":{\"limit\":1,\"period\":\"1s\"}}")
                .header("If-None-Match", "*"), 412);
        refused(ManagementCall.patch("/policies/api").json(patch).header("If-None-Match", "*"), 412);
        refused(ManagementCall.put("/policies/fresh").json("{\"rate\":{\"limit\":1,\"period\":\"1s\"}}")
                .header("If-Match", "*"), 412);
        refused(ManagementCall.put("/policies/fresh").json("{\"rate\":{\"limit\":1,\"period\":\"1s\"}}")
                .header("If-Match", "\"" + version + "\""), 412);
        refused(ManagementCall.delete("/policies/api").header("If-Match", "\"" + (version + 1) + "\""), 412);
    }

    @Test
    void malformedConditionalHeadersAnswer400() {
        String patch = "{\"rate\":{\"limit\":5}}";
        for (String value : List.of("seven", "7", "\"1", "1\"", "\"1\" \"2\"", "W/ \"1\"", "w/\"1\"", "*, \"1\"",
                "\"\u0663\"", "\"a b\"", ",", "\"1\";x")) {
            for (String header : List.of("If-Match", "If-None-Match")) {
                JsonNode problem = refused(ManagementCall.patch("/policies/api").json(patch).header(header, value),
                        400);
                assertThat(problem.get("type").asString()).as(header + ": " + value).endsWith(":bad-precondition");
                assertThat(problem.get("detail").asString()).as(value).contains(header);
            }
        }
        refused(ManagementCall.delete("/policies/api").header("If-Match", "seven"), 400);
        assertThat(ManagementCall.get("/policies/api").header("If-None-Match", "seven").send(service).status())
                .isEqualTo(400);
    }

    @Test
    void wellFormedTagsThatAreNoCurrentVersionAnswer412() {
        long version = sluice.policyStore().get("api").orElseThrow().version();
        String patch = "{\"rate\":{\"limit\":5}}";
        for (String ifMatch : List.of("\"stale-version-0\"", "\"seven\"", "\"\"", "\"0\"", "\"-3\"",
                "\"123456789012345678901234\"", "W/\"" + version + "\"", "W/\"" + version + "\", \"x\"",
                "\"" + (version + 1) + "\", \"" + (version + 2) + "\"")) {
            JsonNode problem = refused(ManagementCall.patch("/policies/api").json(patch).header("If-Match", ifMatch),
                    412);
            assertThat(problem.get("current-version").asLong()).as(ifMatch).isEqualTo(version);
        }
        refused(ManagementCall.put("/policies/api").json("{\"rate\":{\"limit\":1,\"period\":\"1s\"}}")
                .header("If-None-Match", "W/\"" + version + "\""), 412);
        refused(ManagementCall.put("/policies/api").json("{\"rate\":{\"limit\":1,\"period\":\"1s\"}}")
                .header("If-None-Match", "*").header("If-Match", "*"), 412);
        refused(ManagementCall.delete("/policies/api").header("If-None-Match", "*"), 412);
        refused(ManagementCall.delete("/policies/api").header("If-Match", "\"stale-version-0\""), 412);
        assertThat(sluice.policyStore().get("api").orElseThrow().version()).as("nothing changed").isEqualTo(version);
    }

    @Test
    void malformedPercentEncodingAnswers400() {
        for (String path : List.of("/policies/%zz", "/policies/api/keys/%", "/policies/api/keys/%e0%80",
                "/policies/api/keys/%ff", "/policies/api/keys/%\u0663\u0663")) {
            JsonNode problem = problem(ManagementCall.get(path).send(service), 400);
            assertThat(problem.get("type").asString()).as(path).endsWith(":bad-path");
        }
    }

    @Test
    void writesWithoutTheRightTokenAnswer401() {
        String patch = "{\"rate\":{\"limit\":5}}";
        for (String authorization : List.of("", "Bearer", "Bearer ", "Bearer wrong", "Basic " + TOKEN,
                "Bearer " + TOKEN + "x", "Bearer " + TOKEN.substring(1), TOKEN)) {
            ManagementResponse answer = ManagementCall.patch("/policies/api").json(patch)
                    .header("Authorization", authorization).send(service);
            problem(answer, 401);
            assertThat(answer.headers()).as(authorization).containsEntry("WWW-Authenticate", "Bearer realm=\"sluice\"");
        }
        ManagementResponse none = ManagementCall.delete("/policies/api/keys/a").send(service);
        problem(none, 401);
        assertThat(none.headers()).containsKey("WWW-Authenticate");
        assertThat(ManagementCall.patch("/policies/api").json(patch).header("Authorization", "bearer " + TOKEN)
                .send(service).status()).as("the scheme is case-insensitive").isEqualTo(200);
    }

    @Test
    void withoutAConfiguredTokenWritesAnswer403ExplainingHowToEnableThem() {
        try (ManagementService readOnly = new ManagementService(sluice, ManagementSettings.withToken("  "))) {
            for (ManagementCall call : List.of(ManagementCall.patch("/policies/api").json("{\"mode\":\"shadow\"}"),
                    ManagementCall.put("/policies/x").json("{}"), ManagementCall.delete("/policies/api"),
                    ManagementCall.delete("/policies/api/keys/a"))) {
                JsonNode problem = problem(call.bearer("anything").send(readOnly), 403);
                assertThat(problem.get("detail").asString()).contains("init-param 'token'", "SLUICE_TOKEN");
            }
            assertThat(ManagementCall.get("/policies").send(readOnly).status()).isEqualTo(200);
        }
    }

    @Test
    void readsCanBeGuardedToo() {
        ManagementSettings guarded = ManagementSettings.builder().token(TOKEN).readsNeedToken(true).build();
        try (ManagementService service = new ManagementService(sluice, guarded)) {
            for (String path : List.of("/policies", "/policies/api", "/policies/api/keys/a", "/metrics", "/health",
                    "/audit")) {
                ManagementResponse anonymous = ManagementCall.get(path).send(service);
                problem(anonymous, 401);
                assertThat(ManagementCall.get(path).bearer(TOKEN).send(service).status()).as(path).isEqualTo(200);
            }
        }
        ManagementSettings noToken = ManagementSettings.builder().readsNeedToken(true).build();
        try (ManagementService service = new ManagementService(sluice, noToken)) {
            JsonNode problem = problem(ManagementCall.get("/policies").send(service), 403);
            assertThat(problem.get("detail").asString()).contains("SLUICE_TOKEN");
        }
    }

    @Test
    void settingsOutOfRangeNameTheSetting() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> ManagementSettings.builder().maxBodyBytes(0).build())
                .withMessage("max-body-bytes must be from 1 to 16777216, got 0");
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> ManagementSettings.builder().auditSize(-1).build())
                .withMessage("audit-size must be from 0 to 1000000, got -1");
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> ManagementSettings.builder().timeout(Duration.ZERO).build())
                .withMessageStartingWith("timeout must be more than 0");
    }
}
