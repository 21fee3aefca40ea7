package dev.sluice.core.management;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Admission;
import dev.sluice.core.Reason;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Match;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Rate;
import dev.sluice.core.spi.VersionedPolicy;
import dev.sluice.core.testkit.ManualScheduler;
import dev.sluice.core.testkit.TestRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ManagementServiceTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String TOKEN = "s3cret-token";
    private final ManualScheduler time = new ManualScheduler();
    private Sluice sluice;
    private ManagementService service;

    @BeforeEach
    void start() {
        sluice = Sluice.builder().scheduler(time).policies(new PolicySet(List.of(
                Policy.builder("api").rate(new Rate(10, Duration.ofSeconds(1))).build(),
                Policy.builder("jobs").match(new Match(List.of("/jobs/**"), Set.of(), List.of())).key("header:K")
                        .concurrency(new Concurrency(2))
                        .queue(new QueueLimit(5, Duration.ofMinutes(1))).build()))).build();
        service = new ManagementService(sluice, ManagementSettings.withToken(TOKEN));
    }

    @AfterEach
    void stop() {
        service.close();
        sluice.close();
    }

    private ManagementResponse call(String method, String path, String body, String... headers) {
        Map<String, String> map = new HashMap<>();
        map.put("Authorization", "Bearer " + TOKEN);
        if (body != null) {
            map.put("Content-Type", method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            if (headers[i + 1] == null) {
                map.remove(headers[i]);
            } else {
                map.put(headers[i], headers[i + 1]);
            }
        }
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        try {
            return service.handle(new ManagementRequest(method, path, ManagementRequest.Headers.of(map), bytes, false,
                    "198.51.100.1")).get(10, TimeUnit.SECONDS);
        } catch (Exception failure) {
            throw new AssertionError(failure);
        }
    }

    /** An admission that must be decided at once. */
    private Admission now(TestRequest request) {
        CompletableFuture<Admission> future = sluice.admit(request);
        assertThat(future).as("decided at once").isDone();
        return future.join();
    }

    /** A future that must already be complete. */
    private static Admission decided(CompletableFuture<Admission> future) {
        assertThat(future).as("decided").isDone();
        return future.join();
    }

    private long version(String name) {
        return sluice.policyStore().get(name).map(VersionedPolicy::version).orElseThrow();
    }

    @Test
    void listsAndShowsPoliciesWithVersionsAndFigures() {
        now(TestRequest.get("/x"));
        ManagementResponse list = call("GET", "/policies", null);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.bodyText()).contains("\"name\":\"api\"", "\"name\":\"jobs\"", "\"version\":");
        ManagementResponse one = call("GET", "/policies/api", null);
        assertThat(one.headers()).containsEntry("ETag", "\"" + version("api") + "\"");
        assertThat(one.bodyText()).contains("\"definition\":{\"name\":\"api\"", "\"rate\":{\"limit\":10,"
                + "\"period\":\"1s\"}", "\"admitted\":1", "\"permits-in-use\":0");
        assertThat(call("GET", "/policies/nope", null).status()).isEqualTo(404);
    }

    @Test
    void putCreatesThenReplaces() {
        ManagementResponse created = call("PUT", "/policies/new", "{\"rate\":{\"limit\":3,\"period\":\"1s\"}}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.headers()).containsEntry("ETag", "\"" + version("new") + "\"")
                .as("relative to the request's URI").containsEntry("Location", "new");
        assertThat(sluice.policies()).extracting(VersionedPolicy::name).containsExactly("api", "jobs", "new");
        ManagementResponse replaced = call("PUT", "/policies/new", "name: new\nrate: {limit: 4, period: 1s}\n",
                "Content-Type", "application/yaml");
        assertThat(replaced.status()).isEqualTo(200);
        assertThat(sluice.policyStore().get("new").orElseThrow().policy().rate().limit()).isEqualTo(4);
    }

    @Test
    void conditionalWritesRefuseStaleVersions() {
        long current = version("api");
        String body = "{\"rate\":{\"limit\":5,\"period\":\"1s\"}}";
        assertThat(call("PUT", "/policies/api", body, "If-Match", "\"" + (current + 100) + "\"").status())
                .isEqualTo(412);
        assertThat(call("PUT", "/policies/api", body, "If-None-Match", "*").status()).isEqualTo(412);
        assertThat(call("PUT", "/policies/other", body, "If-Match", "*").status()).isEqualTo(412);
        assertThat(call("PUT", "/policies/api", body, "If-Match", "\"" + current + "\"").status()).isEqualTo(200);
        assertThat(call("PATCH", "/policies/api", "{\"rate\":{\"limit\":6}}", "If-Match", "\"" + current + "\"")
                .status()).isEqualTo(412);
        assertThat(call("DELETE", "/policies/api", null, "If-Match", "\"" + current + "\"").status()).isEqualTo(412);
        assertThat(call("PUT", "/policies/api", body, "If-Match", "seven").status()).isEqualTo(400);
        assertThat(sluice.policyStore().get("api").orElseThrow().policy().rate().limit()).isEqualTo(5);
    }

    @Test
    void ifNoneMatchStarCreatesOnlyWhatDoesNotExist() {
        String body = "{\"rate\":{\"limit\":3,\"period\":\"1s\"}}";
        assertThat(call("PUT", "/policies/fresh", body, "If-None-Match", "*").status()).isEqualTo(201);
        long created = version("fresh");
        assertThat(call("PUT", "/policies/fresh", "{\"rate\":{\"limit\":4,\"period\":\"1s\"}}",
                "If-None-Match", "*").status()).isEqualTo(412);
        assertThat(version("fresh")).isEqualTo(created);
        assertThat(sluice.policyStore().get("fresh").orElseThrow().policy().rate().limit()).isEqualTo(3);
    }

    @Test
    void everyAcceptedWriteGetsAHigherVersionThatTheETagAndBodyCarry() {
        long previous = Math.max(version("api"), version("jobs"));
        List<ManagementResponse> answers = List.of(
                call("PATCH", "/policies/api", "{\"rate\":{\"limit\":5}}"),
                call("PUT", "/policies/extra", "{\"rate\":{\"limit\":1,\"period\":\"1s\"}}"),
                call("PATCH", "/policies/jobs", "{\"queue\":{\"depth\":10}}", "If-Match", "*"),
                call("PATCH", "/policies/api", "{\"mode\":\"shadow\"}", "If-Match",
                        "\"" + version("api") + "\""));
        for (ManagementResponse answer : answers) {
            assertThat(answer.status()).as(answer.bodyText()).isIn(200, 201);
            long version = Long.parseLong(answer.headers().get("ETag").replace("\"", ""));
            assertThat(version).isGreaterThan(previous);
            assertThat(answer.bodyText()).contains("\"version\":" + version);
            previous = version;
        }
        assertThat(call("GET", "/policies/api", null).headers()).containsEntry("ETag", "\"" + previous + "\"");
        assertThat(call("DELETE", "/policies/extra", null).status()).isEqualTo(204);
        long recreated = Long.parseLong(call("PUT", "/policies/extra", "{\"rate\":{\"limit\":1,\"period\":\"1s\"}}")
                .headers().get("ETag").replace("\"", ""));
        assertThat(recreated).as("a delete is a revision too").isGreaterThan(previous + 1);
    }

    @Test
    void patchChangesOneFieldAndNeverCreates() {
        ManagementResponse patched = call("PATCH", "/policies/api", "{\"rate\":{\"limit\":5}}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(sluice.policyStore().get("api").orElseThrow().policy().rate().limit()).isEqualTo(5);
        assertThat(call("PATCH", "/policies/api", "{\"mode\":\"shadow\"}", "Content-Type", "application/json")
                .status()).isEqualTo(200);
        assertThat(call("PATCH", "/policies/ghost", "{\"rate\":{\"limit\":5}}").status()).isEqualTo(404);
        assertThat(sluice.policyStore().get("ghost")).isEmpty();
    }

    @Test
    void invalidChangesAnswer400NamingTheFieldAndChangeNothing() {
        long before = version("api");
        ManagementResponse bad = call("PATCH", "/policies/api", "{\"rate\":{\"limit\":-5}}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.contentType()).isEqualTo(ManagementResponse.PROBLEM);
        assertThat(bad.bodyText()).contains("\"field\":\"rate.limit\"", "must be an integer from 1 to 1000000000");
        assertThat(call("PUT", "/policies/api", "{\"rate\":{\"limit\":1,\"period\":\"1s\"},\"colour\":1}")
                .bodyText()).contains("unknown field");
        assertThat(call("PUT", "/policies/api", "{not json").status()).isEqualTo(400);
        assertThat(call("PUT", "/policies/api", "{\"scope\":\"cluster\",\"rate\":{\"limit\":1,\"period\":\"1s\"}}")
                .bodyText()).contains("no cluster");
        assertThat(call("PUT", "/policies/api", "[1]").status()).isEqualTo(400);
        assertThat(version("api")).isEqualTo(before);
    }

    @Test
    void deleteRemovesAndAdmitsWaiters() {
        Admission one = now(TestRequest.get("/jobs/x").header("K", "a"));
        Admission two = now(TestRequest.get("/jobs/x").header("K", "a"));
        CompletableFuture<Admission> waiting = sluice.admit(TestRequest.get("/jobs/x").header("K", "a"));
        assertThat(waiting).isNotDone();
        assertThat(call("DELETE", "/policies/jobs", null).status()).isEqualTo(204);
        assertThat(waiting).isDone();
        assertThat(decided(waiting).admitted()).isTrue();
        assertThat(call("DELETE", "/policies/jobs", null).status()).isEqualTo(404);
        one.release();
        two.release();
        decided(waiting).release();
    }

    @Test
    void keysCanBeReadAndReset() {
        for (int i = 0; i < 10; i++) {
            now(TestRequest.get("/x"));
        }
        assertThat(now(TestRequest.get("/x")).admitted()).isFalse();
        ManagementResponse state = call("GET", "/policies/api/keys/*", null);
        assertThat(state.status()).isEqualTo(200);
        assertThat(state.bodyText()).contains("\"tokens\":0", "\"exists\":true");
        assertThat(call("DELETE", "/policies/api/keys/%2A", null).status()).isEqualTo(204);
        assertThat(now(TestRequest.get("/x")).admitted()).isTrue();
        assertThat(call("GET", "/policies/nope/keys/x", null).status()).isEqualTo(404);
        assertThat(call("GET", "/policies/api/keys/%zz", null).status()).isEqualTo(400);
    }

    @Test
    void aKeyIsPercentDecodedFromThePath() {
        Admission held = now(TestRequest.get("/jobs/x").header("K", "tenant/\u00e9 1"));
        assertThat(held.admitted()).isTrue();
        ManagementResponse state = call("GET", "/policies/jobs/keys/tenant%2F%C3%A9%201", null);
        assertThat(state.status()).isEqualTo(200);
        assertThat(state.bodyText()).contains("\"key\":\"tenant/\u00e9 1\"", "\"permits-in-use\":1",
                "\"permits\":2", "\"queued\":0");
        assertThat(call("GET", "/policies/jobs/keys/tenant", null).bodyText()).contains("\"permits-in-use\":0");
        held.release();
        assertThat(call("GET", "/policies/jobs/keys/tenant%2F%C3%A9%201", null).bodyText())
                .contains("\"permits-in-use\":0");
    }

    @Test
    void liveRateChangesApplyToTheNextRequests() {
        for (int i = 0; i < 10; i++) {
            assertThat(now(TestRequest.get("/x")).admitted()).isTrue();
        }
        call("PATCH", "/policies/api", "{\"rate\":{\"limit\":2,\"burst\":2}}");
        time.advance(Duration.ofSeconds(1));
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            admitted += now(TestRequest.get("/x")).admitted() ? 1 : 0;
        }
        assertThat(admitted).as("the new rate of 2/s").isEqualTo(2);
        call("PATCH", "/policies/api", "{\"rate\":{\"limit\":50,\"burst\":50}}");
        time.advance(Duration.ofSeconds(1));
        admitted = 0;
        for (int i = 0; i < 100; i++) {
            admitted += now(TestRequest.get("/x")).admitted() ? 1 : 0;
        }
        assertThat(admitted).as("the raised rate of 50/s").isEqualTo(50);
    }

    @Test
    void permitAndQueueChangesApplyToHeldLeasesAndWaiters() {
        List<Admission> held = new ArrayList<>();
        held.add(now(TestRequest.get("/jobs/x").header("K", "a")));
        held.add(now(TestRequest.get("/jobs/x").header("K", "a")));
        List<CompletableFuture<Admission>> waiting = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            waiting.add(sluice.admit(TestRequest.get("/jobs/x").header("K", "a")));
        }
        assertThat(call("PATCH", "/policies/jobs", "{\"queue\":{\"depth\":2}}").status()).isEqualTo(200);
        assertThat(decided(waiting.get(2)).reason()).isEqualTo(Reason.QUEUE_FULL);
        assertThat(decided(waiting.get(3)).reason()).isEqualTo(Reason.QUEUE_FULL);
        assertThat(call("PATCH", "/policies/jobs", "{\"concurrency\":{\"permits\":3}}").status()).isEqualTo(200);
        assertThat(decided(waiting.get(0)).admitted()).isTrue();
        assertThat(waiting.get(1)).isNotDone();
        assertThat(call("PATCH", "/policies/jobs", "{\"concurrency\":{\"permits\":1}}").status()).isEqualTo(200);
        held.forEach(Admission::release);
        assertThat(waiting.get(1)).as("3 held, 1 permitted: still waiting").isNotDone();
        decided(waiting.get(0)).release();
        assertThat(waiting.get(1)).isDone();
        decided(waiting.get(1)).release();
        assertThat(sluice.figures("jobs").orElseThrow().permitsInUse()).isZero();
    }

    @Test
    void concurrentConflictingPatchesWithIfMatchHaveOneWinner() throws Exception {
        String etag = "\"" + version("api") + "\"";
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> statuses = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int limit = 20 + i;
            statuses.add(pool.submit(() -> {
                go.await();
                return call("PATCH", "/policies/api", "{\"rate\":{\"limit\":" + limit + "}}", "If-Match", etag)
                        .status();
            }));
        }
        go.countDown();
        List<Integer> results = new ArrayList<>();
        for (Future<Integer> status : statuses) {
            results.add(status.get(10, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertThat(results).filteredOn(s -> s == 200).hasSize(1);
        assertThat(results).filteredOn(s -> s == 412).hasSize(7);
    }

    @Test
    void writesNeedTheToken() {
        String body = "{\"rate\":{\"limit\":5}}";
        ManagementResponse missing = call("PATCH", "/policies/api", body, "Authorization", null);
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.headers()).containsKey("WWW-Authenticate");
        assertThat(call("PATCH", "/policies/api", body, "Authorization", "Bearer wrong").status()).isEqualTo(401);
        assertThat(call("GET", "/policies", null, "Authorization", null).status()).as("reads are open").isEqualTo(200);

        try (ManagementService readOnly = new ManagementService(sluice, ManagementSettings.withToken(null))) {
            ManagementResponse refused = readOnly.handle(new ManagementRequest("DELETE", "/policies/api",
                    name -> null, new byte[0], false, "x")).orTimeout(10, TimeUnit.SECONDS).join();
            assertThat(refused.status()).isEqualTo(403);
            assertThat(refused.bodyText()).contains("SLUICE_TOKEN");
        }
        try (ManagementService guarded = new ManagementService(sluice,
                ManagementSettings.withToken(TOKEN).readsNeedToken(true))) {
            assertThat(guarded.handle(new ManagementRequest("GET", "/policies", name -> null, new byte[0], false,
                    "x")).orTimeout(10, TimeUnit.SECONDS).join().status()).isEqualTo(401);
        }
    }

    @Test
    void refusesWrongMethodsTypesAndSizes() {
        ManagementResponse method = call("POST", "/policies/api", "{}");
        assertThat(method.status()).isEqualTo(405);
        assertThat(method.headers()).containsEntry("Allow", "GET, HEAD, PUT, PATCH, DELETE, OPTIONS");
        assertThat(call("PATCH", "/policies/api", "{}", "Content-Type", "text/plain").status()).isEqualTo(415);
        assertThat(call("PUT", "/policies/api", "{}", "Content-Type", null).status()).isEqualTo(415);
        assertThat(call("GET", "/nothing/here", null).status()).isEqualTo(404);
        String huge = "{\"rate\":{\"limit\":5}, \"x\":\"" + "a".repeat(70_000) + "\"}";
        assertThat(call("PATCH", "/policies/api", huge).status()).isEqualTo(413);
    }

    @Test
    void auditKeepsAcceptedChangesNewestFirst() {
        call("PATCH", "/policies/api", "{\"rate\":{\"limit\":5}}");
        call("PATCH", "/policies/api", "{\"rate\":{\"limit\":-5}}");
        call("DELETE", "/policies/jobs", null);
        String audit = call("GET", "/audit", null).bodyText();
        assertThat(audit).contains("\"action\":\"delete\"", "\"action\":\"patch\"", "\"who\":\"default\"",
                "\"token\":\"default\"", "\"address\":\"198.51.100.1\"");
        assertThat(audit.indexOf("\"delete\"")).isLessThan(audit.indexOf("\"patch\""));
        assertThat(audit).doesNotContain("-5");
    }

    @Test
    void theAuditNamesThePrincipalWhenTheAdapterHasOne() throws Exception {
        ManagementRequest.Headers headers = ManagementRequest.Headers.of(Map.of(
                "Authorization", "Bearer " + TOKEN, "Content-Type", "application/merge-patch+json"));
        ManagementRequest patch = new ManagementRequest("PATCH", "/policies/api", headers,
                "{\"rate\":{\"limit\":7}}".getBytes(StandardCharsets.UTF_8), false, "203.0.113.9", "alice");
        assertThat(service.handle(patch).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);

        JsonNode newest = JSON.readTree(call("GET", "/audit", null).bodyText()).get("entries").get(0);
        assertThat(newest.get("who").asString()).isEqualTo("alice");
        assertThat(newest.get("token").asString()).isEqualTo("default");
        assertThat(newest.get("address").asString()).isEqualTo("203.0.113.9");
    }

    @Test
    void theAuditListIsBoundedAndKeepsTheNewest() {
        try (ManagementService small = new ManagementService(sluice, ManagementSettings.builder().token(TOKEN)
                .auditSize(3).build())) {
            for (int limit = 1; limit <= 5; limit++) {
                ManagementCall.patch("/policies/api").json("{\"rate\":{\"limit\":" + limit + "}}").bearer(TOKEN)
                        .send(small);
            }
            ManagementCall.patch("/policies/api").json("{\"rate\":{\"limit\":0}}").bearer(TOKEN).send(small);
            JsonNode entries = JSON.readTree(ManagementCall.get("/audit").send(small).bodyText()).get("entries");
            assertThat(entries).as("bounded at 3, newest first, refusals not recorded")
                    .extracting(entry -> entry.get("before").get("rate").get("limit").asInt() + "->"
                            + entry.get("after").get("rate").get("limit").asInt())
                    .containsExactly("4->5", "3->4", "2->3");
            JsonNode newest = entries.get(0);
            assertThat(newest.get("version").asLong()).isEqualTo(version("api"));
            assertThat(newest.get("who").asString()).isEqualTo("default");
            assertThat(newest.get("address").asString()).isEqualTo(ManagementCall.REMOTE);
            assertThat(newest.get("action").asString()).isEqualTo("patch");
            assertThat(newest.get("policy").asString()).isEqualTo("api");
            assertThat(newest.get("time").asString()).isNotBlank();
        }
        try (ManagementService none = new ManagementService(sluice, ManagementSettings.builder().token(TOKEN)
                .auditSize(0).build())) {
            ManagementCall.patch("/policies/api").json("{\"rate\":{\"limit\":7}}").bearer(TOKEN).send(none);
            assertThat(ManagementCall.get("/audit").send(none).bodyText()).isEqualTo("{\"entries\":[]}");
        }
    }

    @Test
    void metricsAndHealth() {
        now(TestRequest.get("/x"));
        ManagementResponse metrics = call("GET", "/metrics", null);
        assertThat(metrics.contentType()).startsWith("text/plain");
        assertThat(metrics.bodyText()).contains("sluice_requests_total{outcome=\"admitted\",policy=\"api\"");
        ManagementResponse health = call("GET", "/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.bodyText()).contains("\"status\":\"UP\"", "\"backend\":\"local\"");
    }
}
