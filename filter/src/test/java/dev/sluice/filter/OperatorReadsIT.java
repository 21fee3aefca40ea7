package dev.sluice.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operators' reads over real HTTP on one node (no cluster): top keys, key listing, the audit, the decision trace
 * and the metrics' help texts.
 */
class OperatorReadsIT {
    private static final String TOKEN = "operator-token-1";
    private static final String TRACE_SECRET = "trace-secret-0123456789";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ManagedServer server;

    @BeforeEach
    void start() throws Exception {
        server = ManagedServer.configuredBy("classpath:operator-it.yaml").filterParam("trace-secret", TRACE_SECRET)
                .managementParam("token", TOKEN).start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private HttpResponse<String> send(String method, String path, String body, String... headers) {
        return server.send(method, path, body, headers);
    }

    private JsonNode json(String path, int status) {
        HttpResponse<String> response = send("GET", path, null);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    private void load(String path, String client, int times) {
        for (int i = 0; i < times; i++) {
            send("GET", path, null, "X-Client", client);
        }
    }

    private static Map<String, Long> estimates(JsonNode top) {
        Map<String, Long> keys = new LinkedHashMap<>();
        for (JsonNode key : top.get("keys")) {
            keys.put(key.get("key").asString(), key.get("estimate").asLong());
            assertThat(key.get("lower").asLong()).isLessThanOrEqualTo(key.get("estimate").asLong());
            assertThat(key.get("upper").asLong()).isGreaterThanOrEqualTo(key.get("estimate").asLong());
        }
        return keys;
    }

    @Test
    void topKeysNameTheRefusedClientsLargestFirstPerOutcome() {
        load("/api/x", "alice", 10);
        load("/api/x", "bob", 5);
        load("/api/x", "carol", 1);

        JsonNode refused = json("/sluice/policies/api/top?outcome=refused&window=1m&limit=20", 200);
        assertThat(refused.get("policy").asString()).isEqualTo("api");
        assertThat(refused.get("outcome").asString()).isEqualTo("refused");
        assertThat(refused.get("window").asString()).isEqualTo("1m");
        assertThat(refused.get("nodes").asInt()).isEqualTo(1);
        assertThat(estimates(refused)).containsExactly(Map.entry("alice", 7L), Map.entry("bob", 2L));

        assertThat(estimates(json("/sluice/policies/api/top?limit=1", 200))).containsExactly(Map.entry("alice", 7L));
        assertThat(estimates(json("/sluice/policies/api/top?outcome=admitted&window=10m", 200)))
                .containsExactly(Map.entry("alice", 3L), Map.entry("bob", 3L), Map.entry("carol", 1L));
        // the shadow policy comes after api, so it saw the 3 requests per key api admitted, and would have refused
        // all but the first
        assertThat(estimates(json("/sluice/policies/dry/top?outcome=shadow-refused", 200)))
                .containsExactly(Map.entry("alice", 2L), Map.entry("bob", 2L));
        assertThat(estimates(json("/sluice/policies/dry/top?outcome=refused", 200))).isEmpty();
    }

    @Test
    void badParametersNameTheFieldAndWhatIsAllowed() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("/sluice/policies/api/top?outcome=blocked", "outcome");
        cases.put("/sluice/policies/api/top?window=5m", "window");
        cases.put("/sluice/policies/api/top?limit=0", "limit");
        cases.put("/sluice/policies/api/top?limit=many", "limit");
        cases.put("/sluice/policies/api/top?colour=red", "colour");
        cases.put("/sluice/policies/api/top?outcome=refused&outcome=admitted", "outcome");
        cases.put("/sluice/policies/api/keys?limit=100000", "limit");
        cases.put("/sluice/policies/api/keys?after=***", "after");
        cases.put("/sluice/audit?limit=-1", "limit");
        for (Map.Entry<String, String> bad : cases.entrySet()) {
            HttpResponse<String> response = send("GET", bad.getKey(), null);
            assertThat(response.statusCode()).as(bad.getKey()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            JsonNode problem = JSON.readTree(response.body());
            assertThat(problem.get("parameter").asString()).as(bad.getKey()).isEqualTo(bad.getValue());
            assertThat(problem.get("detail").asString()).as(bad.getKey()).contains("allowed");
        }
        assertThat(send("GET", "/sluice/policies/api/top?window=5m", null).body()).contains("1m, 10m", "'5m'");
        assertThat(send("GET", "/sluice/policies/api/top?outcome=x", null).body())
                .contains("refused, shadow-refused, admitted");

        assertThat(json("/sluice/policies/ghost/top", 404).get("detail").asString()).contains("'ghost'");
        assertThat(json("/sluice/policies/ghost/keys", 404).get("detail").asString()).contains("'ghost'");
        JsonNode off = json("/sluice/policies/quiet/top", 409);
        assertThat(off.get("type").asString()).endsWith("top-keys-off");
        assertThat(off.get("detail").asString()).contains("top-keys: off");
    }

    @Test
    void aPolicyTurnedOffAndOnLiveStopsAndRestartsCounting() {
        load("/quiet/x", "alice", 3);
        HttpResponse<String> on = send("PATCH", "/sluice/policies/quiet", "{\"top-keys\":\"on\"}",
                "Authorization", "Bearer " + TOKEN, "Content-Type", "application/merge-patch+json");
        assertThat(on.statusCode()).as(on.body()).isEqualTo(200);
        assertThat(estimates(json("/sluice/policies/quiet/top", 200))).as("nothing was counted while off").isEmpty();
        load("/quiet/x", "alice", 3);
        assertThat(estimates(json("/sluice/policies/quiet/top", 200))).containsExactly(Map.entry("alice", 3L));
    }

    @Test
    void keysArePagedInOrderWithTheirState() {
        for (String name : List.of("dave", "alice", "carol", "bob", "erin")) {
            load("/api/x", name, name.equals("alice") ? 3 : 1);
        }
        List<String> seen = new ArrayList<>();
        Map<String, Long> tokens = new TreeMap<>();
        String next = null;
        int pages = 0;
        do {
            JsonNode page = json("/sluice/policies/api/keys?limit=2" + (next == null ? "" : "&after=" + next), 200);
            assertThat(page.get("policy").asString()).isEqualTo("api");
            assertThat(page.get("keys").size()).isLessThanOrEqualTo(2);
            for (JsonNode key : page.get("keys")) {
                seen.add(key.get("key").asString());
                tokens.put(key.get("key").asString(), key.get("tokens").asLong());
                assertThat(key.has("permits-in-use")).as("api has no concurrency").isFalse();
            }
            next = page.get("next").isNull() ? null : page.get("next").asString();
            pages++;
        } while (next != null && pages < 10);
        assertThat(seen).containsExactly("alice", "bob", "carol", "dave", "erin");
        assertThat(pages).isEqualTo(3);
        assertThat(tokens).containsEntry("alice", 0L).containsEntry("bob", 2L);

        JsonNode jobs = json("/sluice/policies/jobs/keys", 200);
        assertThat(jobs.get("keys")).isEmpty();
        assertThat(jobs.get("next").isNull()).isTrue();
    }

    @Test
    void theAuditNamesWhoChangedWhatAndIsFilteredByPolicy() {
        HttpResponse<String> patched = send("PATCH", "/sluice/policies/api", "{\"rate\":{\"limit\":5}}",
                "Authorization", "Bearer " + TOKEN, "Content-Type", "application/merge-patch+json");
        assertThat(patched.statusCode()).isEqualTo(200);
        send("DELETE", "/sluice/policies/jobs/keys/x", null, "Authorization", "Bearer " + TOKEN);

        JsonNode api = json("/sluice/audit?policy=api", 200).get("entries");
        assertThat(api).hasSize(1);
        JsonNode entry = api.get(0);
        assertThat(entry.get("action").asString()).isEqualTo("patch");
        assertThat(entry.get("policy").asString()).isEqualTo("api");
        assertThat(entry.get("address").asString()).isEqualTo("127.0.0.1");
        assertThat(entry.get("version-before").asLong()).isLessThan(entry.get("version").asLong());
        assertThat(entry.get("change").get("rate").get("limit").asInt()).isEqualTo(5);
        assertThat(entry.get("time").asString()).isNotBlank();
        JsonNode all = json("/sluice/audit", 200).get("entries");
        assertThat(all).hasSize(2);
        assertThat(all.get(0).get("action").asString()).as("newest first").isEqualTo("reset-key");
        assertThat(json("/sluice/audit?limit=1", 200).get("entries")).hasSize(1);
        assertThat(json("/sluice/audit?policy=quiet", 200).get("entries")).isEmpty();
    }

    @Test
    void theDecisionTraceAnswersOnlyTheSecret() {
        load("/api/x", "alice", 3);
        HttpResponse<String> traced = send("GET", "/api/x", null, "X-Client", "alice", "Sluice-Trace", TRACE_SECRET);
        assertThat(traced.statusCode()).isEqualTo(429);
        String trace = traced.headers().firstValue("Sluice-Decision").orElseThrow();
        assertThat(trace).isEqualTo("api;key=\"alice\";outcome=refused;by=rate;tokens=0;wait-ms=0;via=local");

        HttpResponse<String> admitted = send("GET", "/api/x", null, "X-Client", "b\"ob", "Sluice-Trace",
                TRACE_SECRET);
        assertThat(admitted.headers().firstValue("Sluice-Decision").orElseThrow()).isEqualTo(
                "api;key=\"b%22ob\";outcome=admitted;by=rate;tokens=2;wait-ms=0;via=local, "
                        + "dry;key=\"b%22ob\";outcome=admitted;by=rate;tokens=0;wait-ms=0;via=local");
        HttpResponse<String> jobs = send("GET", "/jobs/x", null, "X-Client", "j", "Sluice-Trace", TRACE_SECRET);
        assertThat(jobs.headers().firstValue("Sluice-Decision").orElseThrow())
                .isEqualTo("jobs;key=\"j\";outcome=admitted;by=concurrency;permits-in-use=1;permits=2;wait-ms=0;"
                        + "via=local");
        assertThat(send("GET", "/other", null, "Sluice-Trace", TRACE_SECRET).headers().firstValue("Sluice-Decision"))
                .hasValue("none");

        for (String wrong : List.of(TRACE_SECRET + "x", TRACE_SECRET.substring(1), "", "trace")) {
            assertThat(send("GET", "/api/x", null, "X-Client", "alice", "Sluice-Trace", wrong).headers()
                    .firstValue("Sluice-Decision")).as(wrong).isEmpty();
        }
        assertThat(send("GET", "/api/x", null, "X-Client", "alice").headers().firstValue("Sluice-Decision"))
                .isEmpty();
    }

    @Test
    void everySluiceMetricFamilyHasAHelpTextAndQueueWaitIsAHistogram() {
        load("/api/x", "alice", 5);
        load("/jobs/x", "alice", 1);
        String text = send("GET", "/sluice/metrics", null).body();
        Map<String, String> types = new TreeMap<>();
        Map<String, String> help = new TreeMap<>();
        for (String line : text.split("\n")) {
            String[] parts = line.split(" ", 4);
            if (line.startsWith("# TYPE sluice_")) {
                types.put(parts[2], parts[3]);
            } else if (line.startsWith("# HELP sluice_")) {
                help.put(parts[2], parts.length > 3 ? parts[3].strip() : "");
            }
        }
        assertThat(types).containsKeys("sluice_requests_total", "sluice_queue_wait_seconds", "sluice_queued");
        for (String family : types.keySet()) {
            assertThat(help.get(family)).as("HELP of " + family).isNotBlank();
        }
        assertThat(types.get("sluice_queue_wait_seconds")).isEqualTo("histogram");
        assertThat(text).contains("sluice_queue_wait_seconds_bucket{policy=\"jobs\",le=\"+Inf\"}");
        System.out.println("Sluice metric families and their help texts:");
        help.forEach((family, description) -> System.out.println("  " + family + " (" + types.get(family) + "): "
                + description));
    }
}
