package dev.sluice.filter;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Candidate policies over real HTTP on one node (no cluster): a candidate runs beside the live policy on the same
 * requests and never changes a response; its 2x2 counts, PATCH, expiry, promotion under If-Match, DELETE, validation
 * and access, and a concurrency candidate that never holds a request.
 */
class CandidateIT {
    private static final String WRITE = "candidate-write-token";
    private static final String READ = "candidate-read-token";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path directory;
    private ManagedServer server;

    @BeforeEach
    void start() throws Exception {
        Path tokens = directory.resolve("tokens");
        Files.writeString(tokens, "ops write " + WRITE + "\nviewer read " + READ + "\n");
        server = ManagedServer.configuredBy("classpath:candidate-it.yaml")
                .managementParam("tokens-file", tokens.toString()).managementParam("reads-need-token", "true")
                .app(new App()).start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    /** The most /slow/ requests the application served at once. */
    private final AtomicInteger peak = new AtomicInteger();

    /** Answers "ok"; under /slow/ after 300 ms, noting how many it serves at once. */
    private final class App extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final AtomicInteger inFlight = new AtomicInteger();

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            if (request.getRequestURI().startsWith("/slow/")) {
                peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(300);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                } finally {
                    inFlight.decrementAndGet();
                }
            }
            response.getWriter().write("ok");
        }
    }

    private HttpResponse<String> send(String method, String path, String body, String... headers) {
        return server.send(method, path, body, headers);
    }

    private HttpResponse<String> write(String method, String path, String body, String... headers) {
        List<String> all = new ArrayList<>(List.of("Authorization", "Bearer " + WRITE));
        if (body != null) {
            all.addAll(List.of("Content-Type", method.equals("PATCH") ? "application/merge-patch+json"
                    : "application/json"));
        }
        all.addAll(List.of(headers));
        return send(method, path, body, all.toArray(String[]::new));
    }

    private JsonNode read(String path, int status) {
        HttpResponse<String> response = send("GET", path, null, "Authorization", "Bearer " + READ);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    private void load(String path, String client, int times) {
        for (int i = 0; i < times; i++) {
            HttpResponse<String> response = send("GET", path, null, "X-Client", client);
            assertThat(response.statusCode()).as("the live policy admits; the candidate changes no response")
                    .isEqualTo(200);
            assertThat(response.body()).isEqualTo("ok");
        }
    }

    private String etag(String policy) {
        HttpResponse<String> response = send("GET", "/sluice/policies/" + policy, null,
                "Authorization", "Bearer " + READ);
        assertThat(response.statusCode()).isEqualTo(200);
        return response.headers().firstValue("ETag").orElseThrow();
    }

    private static List<String> fields(HttpResponse<String> problem) {
        List<String> fields = new ArrayList<>();
        for (JsonNode error : JSON.readTree(problem.body()).get("errors")) {
            fields.add(error.get("field").asString());
        }
        return fields;
    }

    @Test
    void aLowerRateCandidateCountsWhatItAloneWouldRefuseAndChangesNoResponse() {
        HttpResponse<String> put = write("PUT", "/sluice/policies/api/candidate",
                "{\"key\":\"header:X-Client\",\"match\":{\"paths\":[\"/api/**\"]},\"rate\":{\"limit\":2,"
                        + "\"period\":\"1m\"},\"expires\":\"10m\"}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

        load("/api/x", "alice", 6);
        load("/api/x", "bob", 3);
        load("/other", "carol", 2);   // matches no policy: not counted

        JsonNode report = read("/sluice/policies/api/candidate", 200);
        JsonNode decisions = report.get("decisions");
        assertThat(decisions.get("both-admit").asLong()).isEqualTo(4);
        assertThat(decisions.get("only-candidate-refuses").asLong()).isEqualTo(5);
        assertThat(decisions.get("only-live-refuses").asLong()).isZero();
        assertThat(decisions.get("both-refuse").asLong()).isZero();
        assertThat(report.get("candidate-reasons").get("rate").asLong()).isEqualTo(5);
        JsonNode keys = report.get("candidate-only-keys");
        assertThat(keys.get(0).get("key").asString()).isEqualTo("alice");
        assertThat(keys.get(0).get("count").asLong()).isEqualTo(4);
        assertThat(keys.get(1).get("key").asString()).isEqualTo("bob");
        assertThat(keys.get(1).get("count").asLong()).isEqualTo(1);
        assertThat(report.get("candidate-only-keys-counted").get("method").asString())
                .as("the live policy keeps top-keys sketches: the candidate's keys are sketched too").isEqualTo("sketch");
        assertThat(report.get("candidate-only-keys-counted").get("max-error").asLong())
                .as("a sketch that forgot nothing counts exactly").isZero();
        assertThat(keys.get(0).get("lower").asLong()).isEqualTo(4);
        assertThat(keys.get(0).get("upper").asLong()).isEqualTo(4);
        assertThat(report.get("definition").get("rate").get("limit").asLong()).isEqualTo(2);
        assertThat(report.get("expires-in-seconds").asDouble()).isBetween(500.0, 600.0);
        assertThat(report.get("running-seconds").asDouble()).isBetween(0.0, 120.0);
        assertThat(report.get("nodes")).hasSize(1);

        // the live policy saw every request as before, and admitted all of them
        JsonNode live = read("/sluice/policies/api", 200).get("live");
        assertThat(live.get("admitted").asLong()).isEqualTo(9);
        assertThat(live.get("refused").asLong()).isZero();

        String metrics = send("GET", "/sluice/metrics", null, "Authorization", "Bearer " + READ).body();
        assertThat(metrics).contains("sluice_candidate_decisions_total{candidate=\"refuse\",live=\"admit\","
                + "policy=\"api\"} 5.0");
    }

    @Test
    void underTopKeysOffTheKeysTheCandidateAloneRefusesAreCountedExactly() {
        HttpResponse<String> patch = write("PATCH", "/sluice/policies/private/candidate", "{\"rate\":{\"limit\":1}}");
        assertThat(patch.statusCode()).as(patch.body()).isEqualTo(201);
        load("/private/x", "alice", 3);
        load("/private/x", "bob", 1);

        JsonNode report = read("/sluice/policies/private/candidate", 200);
        JsonNode counted = report.get("candidate-only-keys-counted");
        assertThat(counted.get("method").asString()).isEqualTo("exact");
        assertThat(counted.get("max-keys").asLong()).isEqualTo(1000);
        assertThat(counted.has("max-error")).isFalse();
        JsonNode keys = report.get("candidate-only-keys");
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0).get("key").asString()).isEqualTo("alice");
        assertThat(List.of(keys.get(0).get("count").asLong(), keys.get(0).get("lower").asLong(),
                keys.get(0).get("upper").asLong())).containsExactly(2L, 2L, 2L);
    }

    @Test
    void aPatchIsMergedIntoTheLiveDefinitionAndEveryWriteIsAudited() {
        HttpResponse<String> patch = write("PATCH", "/sluice/policies/api/candidate",
                "{\"rate\":{\"limit\":1},\"expires\":\"5m\"}");
        assertThat(patch.statusCode()).as(patch.body()).isEqualTo(201);
        JsonNode definition = JSON.readTree(patch.body()).get("definition");
        assertThat(definition.get("rate").get("limit").asLong()).isEqualTo(1);
        assertThat(definition.get("key").asString()).as("kept from the live definition").isEqualTo("header:X-Client");

        load("/api/x", "dave", 3);
        assertThat(read("/sluice/policies/api/candidate", 200).get("decisions").get("only-candidate-refuses")
                .asLong()).isEqualTo(2);

        HttpResponse<String> again = write("PATCH", "/sluice/policies/api/candidate", "{\"rate\":{\"limit\":50}}");
        assertThat(again.statusCode()).as("a second write replaces the candidate").isEqualTo(200);
        assertThat(read("/sluice/policies/api/candidate", 200).get("decisions").get("both-admit").asLong())
                .as("the new candidate counts from zero").isZero();

        assertThat(write("DELETE", "/sluice/policies/api/candidate", null).statusCode()).isEqualTo(204);
        assertThat(read("/sluice/policies/api/candidate", 404).get("type").asString()).endsWith(":no-candidate");
        assertThat(write("DELETE", "/sluice/policies/api/candidate", null).statusCode()).isEqualTo(404);
        load("/api/x", "dave", 1);

        List<String> actions = new ArrayList<>();
        for (JsonNode entry : read("/sluice/audit?policy=api", 200).get("entries")) {
            actions.add(entry.get("action").asString());
            assertThat(entry.get("who").asString()).isEqualTo("ops");
        }
        assertThat(actions).containsExactly("candidate-delete", "candidate-patch", "candidate-patch");
    }

    @Test
    void aCandidateExpiresByItself() throws InterruptedException {
        HttpResponse<String> put = write("PATCH", "/sluice/policies/api/candidate",
                "{\"rate\":{\"limit\":1},\"expires\":\"300ms\"}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        load("/api/x", "erin", 2);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int status = 200;
        while (status == 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            status = send("GET", "/sluice/policies/api/candidate", null, "Authorization", "Bearer " + READ)
                    .statusCode();
        }
        assertThat(status).as("gone within 10 s").isEqualTo(404);
        load("/api/x", "erin", 2);
        String metrics = send("GET", "/sluice/metrics", null, "Authorization", "Bearer " + READ).body();
        assertThat(metrics).as("an expired candidate is no longer evaluated")
                .doesNotContain("sluice_candidate_decisions_total{");
    }

    @Test
    void promotionNeedsTheLiveVersionAndMakesTheCandidateLive() {
        assertThat(write("PATCH", "/sluice/policies/api/candidate", "{\"rate\":{\"limit\":4}}").statusCode())
                .isEqualTo(201);
        String before = etag("api");

        HttpResponse<String> without = write("POST", "/sluice/policies/api/candidate/promote", null);
        assertThat(without.statusCode()).as(without.body()).isEqualTo(428);
        HttpResponse<String> stale = write("POST", "/sluice/policies/api/candidate/promote", null,
                "If-Match", "\"999\"");
        assertThat(stale.statusCode()).as(stale.body()).isEqualTo(412);
        assertThat(JSON.readTree(stale.body()).get("type").asString()).endsWith(":stale-version");
        assertThat(read("/sluice/policies/api", 200).get("definition").get("rate").get("limit").asLong())
                .as("nothing changed").isEqualTo(100);

        HttpResponse<String> promoted = write("POST", "/sluice/policies/api/candidate/promote", null,
                "If-Match", before);
        assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
        assertThat(promoted.headers().firstValue("ETag").orElseThrow()).isNotEqualTo(before);
        assertThat(read("/sluice/policies/api", 200).get("definition").get("rate").get("limit").asLong())
                .isEqualTo(4);
        read("/sluice/policies/api/candidate", 404);

        // live now: the fifth request of a client is refused
        load("/api/x", "frank", 4);
        assertThat(send("GET", "/api/x", null, "X-Client", "frank").statusCode()).isEqualTo(429);

        JsonNode entry = read("/sluice/audit?policy=api&limit=1", 200).get("entries").get(0);
        assertThat(entry.get("action").asString()).isEqualTo("promote");
        assertThat(entry.get("after").get("rate").get("limit").asLong()).isEqualTo(4);
        assertThat(entry.get("before").get("rate").get("limit").asLong()).isEqualTo(100);
    }

    @Test
    void badWritesNameTheFieldAndChangeNothing() {
        HttpResponse<String> badRate = write("PATCH", "/sluice/policies/api/candidate", "{\"rate\":{\"limit\":-5}}");
        assertThat(badRate.statusCode()).as(badRate.body()).isEqualTo(400);
        assertThat(fields(badRate)).containsExactly("rate.limit");
        HttpResponse<String> unknown = write("PATCH", "/sluice/policies/api/candidate", "{\"rte\":{\"limit\":5}}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(fields(unknown)).containsExactly("rte");
        HttpResponse<String> expires = write("PATCH", "/sluice/policies/api/candidate",
                "{\"rate\":{\"limit\":5},\"expires\":\"soon\"}");
        assertThat(expires.statusCode()).isEqualTo(400);
        assertThat(fields(expires)).containsExactly("expires");
        assertThat(fields(write("PATCH", "/sluice/policies/api/candidate", "{\"expires\":\"2d\"}")))
                .containsExactly("expires");
        assertThat(fields(write("PATCH", "/sluice/policies/api/candidate", "{\"scope\":\"cluster\"}")))
                .containsExactly("scope");
        read("/sluice/policies/api/candidate", 404);

        HttpResponse<String> noPolicy = write("PUT", "/sluice/policies/nope/candidate", "{\"rate\":{\"limit\":1,"
                + "\"period\":\"1m\"}}");
        assertThat(noPolicy.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(noPolicy.body()).get("type").asString()).endsWith(":no-such-policy");
        read("/sluice/policies/nope/candidate", 404);
        assertThat(write("PATCH", "/sluice/policies/api/candidate", "{\"rate\":{\"limit\":5}}",
                "If-Match", "\"999\"").statusCode()).as("a stale If-Match").isEqualTo(412);
        assertThat(write("PUT", "/sluice/policies/api/candidate", "rate: {limit: 5}").statusCode())
                .as("not JSON").isEqualTo(400);

        // a read token reads, and may not write
        HttpResponse<String> reader = send("PATCH", "/sluice/policies/api/candidate", "{\"rate\":{\"limit\":5}}",
                "Authorization", "Bearer " + READ, "Content-Type", "application/merge-patch+json");
        assertThat(reader.statusCode()).isEqualTo(403);
        assertThat(send("GET", "/sluice/policies/api/candidate", null).statusCode()).isEqualTo(401);
        assertThat(read("/sluice/audit?policy=api", 200).get("entries")).isEmpty();
    }

    @Test
    void aConcurrencyCandidateNeverHoldsOrQueuesARequest() throws Exception {
        HttpResponse<String> patch = write("PATCH", "/sluice/policies/slow/candidate",
                "{\"concurrency\":{\"permits\":1},\"queue\":{\"depth\":100,\"max-wait\":\"10s\"}}");
        assertThat(patch.statusCode()).as(patch.body()).isEqualTo(201);
        // a first wave lets this node learn how long the live policy's permits are held
        wave(4);
        wave(6);
        // had the candidate's single permit or its queue applied, the requests would have run one at a time
        assertThat(peak.get()).as("requests served side by side").isGreaterThan(1);

        JsonNode report = read("/sluice/policies/slow/candidate", 200);
        assertThat(report.get("decisions").get("only-candidate-refuses").asLong()).isPositive();
        assertThat(report.get("candidate-reasons").get("concurrency").asLong()).isPositive();
        assertThat(report.get("decisions").get("only-live-refuses").asLong()).isZero();
        assertThat(read("/sluice/policies/slow", 200).get("live").get("permits-in-use").asLong()).isZero();
    }

    /** {@code n} requests to /slow/ at once; each must be admitted. */
    private void wave(int n) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            responses.add(server.sendAsync(server.request("GET", "/slow/x", null)));
        }
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertThat(response.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }
}
