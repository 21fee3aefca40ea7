package dev.sluice.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyParserTest {
    private final PolicyParser parser = new PolicyParser();

    private static final String FULL = """
            trusted-proxies: ["10.0.0.0/8", "::1"]
            policies:
              - name: api-per-client
                match: { paths: ["/api/**"], methods: [get, POST], headers: [{name: X-Tier, value: gold}, {name: X-Api-Key}] }
                key: header:X-Api-Key
                missing-key: global
                scope: cluster
                rate:        { limit: 100, period: 1s, burst: 200 }
                quota:       { limit: 100000, period: 1d }
                cost: 2
                concurrency: { permits: 20, lease: 30s }
                queue:       { depth: 100, max-wait: 2s }
                reject:      { status: 429 }
                headers: both
                mode: shadow
                on-backend-failure: deny
              - name: simple
                rate: { limit: 5, period: 250ms }
            """;

    /** The problems of parsing {@code yaml}, as one string per problem. */
    private List<String> problems(String yaml) {
        try {
            parser.parse(yaml, "sluice.yaml");
        } catch (ConfigException refused) {
            return refused.problems().stream().map(ConfigException.Problem::toString).toList();
        }
        throw new AssertionError("expected a ConfigException for:\n" + yaml);
    }

    private String onlyProblem(String policyBody) {
        List<String> found = problems("policies:\n  - " + policyBody.replace("\n", "\n    ") + "\n");
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    @Test
    void readsEveryField() {
        PolicySet set = parser.parse(FULL, "sluice.yaml");
        assertThat(set.trustedProxies()).containsExactly("10.0.0.0/8", "::1");
        Policy policy = set.policies().get(0);
        assertThat(policy.name()).isEqualTo("api-per-client");
        assertThat(policy.match().paths()).containsExactly("/api/**");
        assertThat(policy.match().methods()).containsExactlyInAnyOrder("GET", "POST");
        assertThat(policy.match().headers()).containsExactly(new HeaderCondition("X-Tier", "gold"),
                new HeaderCondition("X-Api-Key", null));
        assertThat(policy.key().toString()).isEqualTo("header:X-Api-Key");
        assertThat(policy.missingKey()).isEqualTo(MissingKey.GLOBAL);
        assertThat(policy.scope()).isEqualTo(Scope.CLUSTER);
        assertThat(policy.rate()).isEqualTo(new Rate(100, Duration.ofSeconds(1), 200));
        assertThat(policy.quota()).isEqualTo(new Quota(100_000, Duration.ofDays(1)));
        assertThat(policy.cost()).isEqualTo(Cost.of(2));
        assertThat(policy.concurrency()).isEqualTo(new Concurrency(20, Duration.ofSeconds(30)));
        assertThat(policy.queue()).isEqualTo(new QueueLimit(100, Duration.ofSeconds(2)));
        assertThat(policy.reject().status()).isEqualTo(429);
        assertThat(policy.headers()).isEqualTo(HeaderStyle.BOTH);
        assertThat(policy.mode()).isEqualTo(Mode.SHADOW);
        assertThat(policy.onBackendFailure()).isEqualTo(BackendFailure.DENY);
    }

    @Test
    void appliesDefaults() {
        Policy simple = parser.parse(FULL, "sluice.yaml").policies().get(1);
        assertThat(simple.rate().burst()).isEqualTo(5);
        assertThat(simple.match()).isEqualTo(Match.ALL);
        assertThat(simple.key().isGlobal()).isTrue();
        assertThat(simple.scope()).isEqualTo(Scope.NODE);
        assertThat(simple.missingKey()).isEqualTo(MissingKey.GLOBAL);
        assertThat(simple.headers()).isEqualTo(HeaderStyle.IETF);
        assertThat(simple.mode()).isEqualTo(Mode.ENFORCE);
        assertThat(simple.onBackendFailure()).isEqualTo(BackendFailure.LOCAL);
        assertThat(simple.cost()).isEqualTo(Cost.ONE);
    }

    @Test
    void readsJsonToo() {
        PolicySet set = parser.parse("""
                {"policies": [{"name": "j", "concurrency": {"permits": 3}, "queue": {"depth": 5, "max-wait": "1s"}}]}
                """, "sluice.json");
        assertThat(set.policies().get(0).concurrency().permits()).isEqualTo(3);
    }

    @Test
    void namesTheLineColumnFieldAndValue() {
        List<String> found = problems("""
                policies:
                  - name: api
                    rate: { limit: -5, period: 1s }
                """);
        assertThat(found).containsExactly(
                "sluice.yaml line 3 column 20: policies[0].rate.limit must be an integer from 1 to 1000000000, got -5");
    }

    @Test
    void namesTheLineInJson() {
        assertThatThrownBy(() -> parser.parse("{\"policies\": [\n {\"name\": \"a\",\n  \"rate\": {\"limit\": \"x\", "
                + "\"period\": \"1s\"}}]}", "body.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("body.json line 3 column 21: policies[0].rate.limit must be an integer, got \"x\"");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "name: 'bad name!', rate: {limit: 1, period: 1s}|policies[0].name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, got \"bad name!\"",
        "rate: {limit: 1, period: 1s}|policies[0].name is required",
        "name: a|policies[0].rate is required unless quota or concurrency is set: a policy needs at least one limit",
        "name: a, rate: {limit: 1, period: 5}|policies[0].rate.period must be a duration with a unit, e.g. 1s (units: ms, s, m, h, d), got 5",
        "name: a, rate: {limit: 1, period: 5x}|policies[0].rate.period must be a duration such as 250ms, 1s, 5m, 1h or 1d (units: ms, s, m, h, d), got \"5x\"",
        "name: a, rate: {limit: 1, period: 2d}|policies[0].rate.period must be a duration from 1ms to 1d, got \"2d\"",
        "name: a, rate: {limit: 1}|policies[0].rate.period is required (a duration such as 250ms, 1s, 5m, 1h or 1d)",
        "name: a, rate: {limit: 1.5, period: 1s}|policies[0].rate.limit must be an integer, got 1.5",
        "name: a, rate: {limit: 99999999999999999999999, period: 1s}|policies[0].rate.limit must be an integer of a sensible size, got 99999999999999999999999",
        "name: a, rate: {limit: 10, period: 1s, burst: 0}|policies[0].rate.burst must be an integer from 1 to 1000000000, got 0",
        "name: a, rate: {limit: 10, limt: 10, period: 1s}|policies[0].rate has an unknown field \"limt\"; allowed: limit, period, burst",
        "name: a, rate: 10|policies[0].rate must be an object {limit, period, burst}, got 10",
        "name: a, quota: {limit: 0, period: 1d}|policies[0].quota.limit must be an integer from 1 to 1000000000, got 0",
        "name: a, concurrency: {permits: 0}|policies[0].concurrency.permits must be an integer from 1 to 1000000, got 0",
        "name: a, concurrency: {permits: 2, lease: 10ms}|policies[0].concurrency.lease must be a duration from 1s to 1d, got \"10ms\"",
        "name: a, concurrency: {permits: 1}, queue: {depth: 0, max-wait: 1s}|policies[0].queue.depth must be an integer from 1 to 1000000, got 0",
        "name: a, concurrency: {permits: 1}, queue: {depth: 1, max-wait: 2h}|policies[0].queue.max-wait must be a duration from 1ms to 1h, got \"2h\"",
        "name: a, quota: {limit: 5, period: 1d}, queue: {depth: 1, max-wait: 1s}|policies[0].queue needs rate or concurrency to queue for (a quota alone does not queue)",
        "name: a, concurrency: {permits: 1}, queue: {depth: 4, max-wait: 1s, fair-by: 'header:X-Tenant', flow-depth: 5}|policies[0].queue.flow-depth must be an integer from 1 to depth (4), got 5",
        "name: a, concurrency: {permits: 1}, queue: {depth: 4, max-wait: 1s, fair-by: 'header:X-Tenant', default-weight: 0}|policies[0].queue.default-weight must be an integer from 1 to 1000, got 0",
        "name: a, concurrency: {permits: 1}, queue: {depth: 4, max-wait: 1s, fair-by: 'header:X-Tenant', weights: {gold: 5000}}|policies[0].queue.weights.gold must be an integer from 1 to 1000, got 5000",
        "name: a, concurrency: {permits: 1}, queue: {depth: 4, max-wait: 1s, fair-by: 'shoe'}|policies[0].queue.fair-by has an unknown part; allowed: ip, header:NAME, param:NAME, cookie:NAME, principal, path, method, global, got \"shoe\"",
        "name: a, concurrency: {permits: 1}, queue: {depth: 4, max-wait: 1s, weights: {gold: 4}}|policies[0].queue.weights needs fair-by: weights and flow depths belong to flows",
        "name: a, concurrency: {permits: 1}, queue: {depth: 4, max-wait: 1s, fair-by: ip, fairness: max}|policies[0].queue has an unknown field \"fairness\"; allowed: depth, max-wait, fair-by, weights, default-weight, flow-depth",
        "name: a, rate: {limit: 1, period: 1s}, cost: 5|policies[0].cost must not exceed rate.burst (1): such a request could never pass, got 5",
        "name: a, concurrency: {permits: 2}, cost: {header: X-Cost, max: 9}|policies[0].cost.max must not exceed concurrency.permits (2): such a request could never pass, got 9",
        "name: a, rate: {limit: 9, period: 1s}, cost: {max: 3}|policies[0].cost.header is required in the object form (else write the cost as an integer)",
        "name: a, rate: {limit: 9, period: 1s}, cost: {header: 'X Cost', max: 3}|policies[0].cost.header must be an HTTP header name (letters, digits, '-', '_'), got \"X Cost\"",
        "name: a, rate: {limit: 9, period: 1s}, cost: {header: X-Cost, max: 3, default: 4}|policies[0].cost.default must not exceed max (3), got 4",
        "name: a, rate: {limit: 1, period: 1s}, reject: {status: 200}|policies[0].reject.status must be an HTTP error status from 400 to 599, got 200",
        "name: a, rate: {limit: 1, period: 1s}, headers: fancy|policies[0].headers must be one of ietf, legacy, both, none, got \"fancy\"",
        "name: a, rate: {limit: 1, period: 1s}, mode: loud|policies[0].mode must be one of enforce, shadow, got \"loud\"",
        "name: a, rate: {limit: 1, period: 1s}, scope: galaxy|policies[0].scope must be one of node, cluster, got \"galaxy\"",
        "name: a, rate: {limit: 1, period: 1s}, missing-key: ignore|policies[0].missing-key must be one of global, skip, reject, got \"ignore\"",
        "name: a, rate: {limit: 1, period: 1s}, on-backend-failure: panic|policies[0].on-backend-failure must be one of local, allow, deny, got \"panic\"",
        "name: a, rate: {limit: 1, period: 1s}, key: 'ip+shoe'|policies[0].key has an unknown part; allowed: ip, header:NAME, param:NAME, cookie:NAME, principal, path, method, global, got \"shoe\"",
        "name: a, rate: {limit: 1, period: 1s}, key: 'header:'|policies[0].key header: needs a name of 1 to 256 characters, as in header:X-Api-Key, got \"\"",
        "name: a, rate: {limit: 1, period: 1s}, key: 'ip:x'|policies[0].key ip takes no name, got \"ip:x\"",
        "name: a, rate: {limit: 1, period: 1s}, match: {paths: [api]}|policies[0].match.paths[0] must be a path pattern starting with '/', got \"api\"",
        "name: a, rate: {limit: 1, period: 1s}, match: {methods: ['G E T']}|policies[0].match.methods must list HTTP methods in upper case, such as GET or POST, got \"G E T\"",
        "name: a, rate: {limit: 1, period: 1s}, match: {headers: [{value: x}]}|policies[0].match.headers[0].name is required",
        "name: a, rate: {limit: 1, period: 1s}, match: {verbs: [GET]}|policies[0].match has an unknown field \"verbs\"; allowed: paths, methods, headers",
        "name: a, rate: {limit: 1, period: 1s}, colour: blue|policies[0] has an unknown field \"colour\"; allowed: name, match, key, missing-key, scope, rate, quota, cost, concurrency, queue, reject, headers, mode, on-backend-failure, top-keys",
    })
    void explainsEachKindOfMistake(String body, String expected) {
        assertThat(onlyProblem("{" + body + "}")).endsWith(expected).startsWith("sluice.yaml line ");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        List<String> found = problems("""
                policies:
                  - name: a
                    rate: { limit: 1, period: 1s }
                  - name: b
                    concurrency: { permits: -1 }
                  - name: a
                    rate: { limit: 0, period: 1s }
                  - name: a
                    rate: { limit: 1, period: 1s }
                """);
        assertThat(found).hasSize(3);
        assertThat(found.get(2)).contains("policies[3].name must be unique");
    }

    @Test
    void refusesDocumentLevelMistakes() {
        assertThat(problems("")).containsExactly("sluice.yaml: is empty");
        assertThat(problems("rules: []\n")).containsExactly(
                "sluice.yaml line 1 column 8: rules is an unknown field; allowed: policies, trusted-proxies",
                "sluice.yaml line 1 column 1: policies is required: a list of policies (it may be empty)");
        assertThat(problems("policies: {name: a}\n")).singleElement().asString()
                .contains("policies must be a list of policies");
        assertThat(problems("policies: []\ntrusted-proxies: [\"10.0.0.0/33\"]\n")).singleElement().asString()
                .contains("trusted-proxies[0] must be an IP address or a CIDR range");
        assertThat(problems("policies:\n  - {name: a, rate: {limit: 1, period: 1s}, rate: {limit: 2, period: 1s}}\n"))
                .singleElement().asString().contains("has the key \"rate\" twice");
        assertThat(problems("policies: [\n")).singleElement().asString().contains("is not valid YAML");
        assertThat(problems("{\"policies\": [}")).singleElement().asString().contains("is not valid JSON");
    }

    @Test
    void boundsDepthStringsAndSize() {
        String deep = "{\"policies\": " + "[".repeat(40) + "]".repeat(40) + "}";
        assertThat(problems(deep)).singleElement().asString().contains("is not valid JSON");
        String longName = "{\"policies\": [{\"name\": \"" + "n".repeat(10_000) + "\"}]}";
        assertThat(problems(longName)).singleElement().asString().contains("is not valid JSON");
        assertThatThrownBy(() -> parser.parse("#".repeat(PolicyParser.MAX_FILE_BYTES + 1), "big.yaml"))
                .hasMessage("big.yaml: is larger than 1048576 bytes");
    }

    @Test
    void anEmptyListIsAValidSet() {
        assertThat(parser.parse("policies: []\n", "s").policies()).isEmpty();
    }

    @Test
    void loadsFromFilesAndTheClassPath(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("limits.yaml");
        Files.writeString(file, FULL);
        assertThat(parser.load(file.toString(), getClass().getClassLoader()).policies()).hasSize(2);
        assertThatThrownBy(() -> parser.load(dir.resolve("nope.yaml").toString(), getClass().getClassLoader()))
                .hasMessageEndingWith("nope.yaml: does not exist");
        assertThatThrownBy(() -> parser.load("classpath:nope.yaml", getClass().getClassLoader()))
                .hasMessage("classpath:nope.yaml: does not exist on the class path");
    }

    @Test
    void aPolicyBodyMayLeaveTheNameToTheUrl() {
        Policy policy = parser.parsePolicy("{\"rate\": {\"limit\": 3, \"period\": \"1s\"}}", "request body", "p1");
        assertThat(policy.name()).isEqualTo("p1");
        assertThatThrownBy(() -> parser.parsePolicy("{\"name\": \"p2\", \"rate\": {\"limit\": 3, \"period\": \"1s\"}}",
                "request body", "p1")).hasMessageContaining("name must be \"p1\" (the name in the URL; a policy "
                + "cannot be renamed), got \"p2\"");
    }

    @Test
    void writerAndParserRoundTripEveryShape() {
        for (Policy policy : parser.parse(FULL, "s").policies()) {
            assertThat(parser.parsePolicy(PolicyWriter.toJson(policy), "round trip")).isEqualTo(policy);
        }
        Policy headerCost = Policy.builder("hc").rate(new Rate(10, Duration.ofMillis(1500)))
                .cost(new Cost(2, "X-Cost", 7)).match(new Match(List.of("/a", "/b/**"), Set.of("PUT"), List.of()))
                .build();
        assertThat(parser.parsePolicy(PolicyWriter.toJson(headerCost), "round trip")).isEqualTo(headerCost);
        assertThat(PolicyWriter.toTree(headerCost)).containsEntry("cost", Map.of("header", "X-Cost", "max", 7L,
                "default", 2L));
    }

    @Test
    void mergePatchesChangeOnlyWhatTheyName() {
        Policy base = parser.parse(FULL, "s").policies().get(1);
        assertThat(parser.patch(base, "{\"rate\":{\"limit\":7}}", "patch").rate())
                .as("a burst that equalled the limit follows it").isEqualTo(new Rate(7, Duration.ofMillis(250), 7));
        Policy bursty = base.toBuilder().rate(new Rate(5, Duration.ofSeconds(1), 20)).build();
        assertThat(parser.patch(bursty, "{\"rate\":{\"limit\":7}}", "patch").rate())
                .as("an explicit burst stays").isEqualTo(new Rate(7, Duration.ofSeconds(1), 20));
        Policy withQueue = Policy.builder("q").concurrency(new Concurrency(2))
                .queue(new QueueLimit(5, Duration.ofSeconds(1))).build();
        assertThat(parser.patch(withQueue, "{\"concurrency\":{\"permits\":3}}", "patch").concurrency().permits())
                .isEqualTo(3);
        assertThat(parser.patch(withQueue, "{\"queue\":{\"depth\":10}}", "patch").queue().depth()).isEqualTo(10);
        assertThat(parser.patch(withQueue, "{\"mode\":\"shadow\"}", "patch").mode()).isEqualTo(Mode.SHADOW);
        Policy quota = parser.patch(base, "{\"quota\":{\"limit\":1000,\"period\":\"1d\"}}", "patch");
        assertThat(quota.quota()).isEqualTo(new Quota(1000, Duration.ofDays(1)));
        assertThat(parser.patch(quota, "{\"quota\":null}", "patch").quota()).isNull();
    }

    @Test
    void mergePatchesAreValidatedWhole() {
        Policy base = parser.parse(FULL, "s").policies().get(1);
        assertThatThrownBy(() -> parser.patch(base, "{\"rate\":{\"limit\":-1}}", "request body"))
                .hasMessage("request body line 1 column 18: rate.limit must be an integer from 1 to 1000000000, "
                        + "got -1");
        assertThatThrownBy(() -> parser.patch(base, "{\"rate\":null}", "request body"))
                .hasMessageContaining("rate is required unless quota or concurrency is set");
        assertThatThrownBy(() -> parser.patch(base, "{\"name\":\"other\"}", "request body"))
                .hasMessageContaining("a policy cannot be renamed");
        assertThatThrownBy(() -> parser.patch(base, "[1,2]", "request body"))
                .hasMessageContaining("must be a JSON object (a merge patch)");
        assertThatThrownBy(() -> parser.patch(base, "{\"rate\":", "request body"))
                .hasMessageContaining("is not valid JSON");
    }

    @Test
    void bindsPlainMapsWithTheSameRules() {
        Policy policy = parser.bindPolicy(Map.of("key", "ip", "rate", Map.of("limit", 5, "period", "1s")),
                "route api", "route-api");
        assertThat(policy.rate().limit()).isEqualTo(5);
        assertThatThrownBy(() -> parser.bindPolicy(Map.of("rate", Map.of("limit", 5)), "route api", "route-api"))
                .hasMessageContaining("route api: rate.period is required");
    }

    @Test
    void readsAndWritesAFairQueue() {
        Policy policy = parser.parse("""
                policies:
                  - name: fair
                    concurrency: { permits: 2 }
                    queue: { depth: 50, max-wait: 5s, fair-by: "header:X-Tenant", weights: { gold: 4 }, flow-depth: 10 }
                """, "sluice.yaml").policies().get(0);
        assertThat(policy.queue().fairBy()).isEqualTo(KeyExpression.parse("header:X-Tenant"));
        assertThat(policy.queue().weightOf("gold")).isEqualTo(4);
        assertThat(policy.queue().weightOf("other")).isEqualTo(1);
        assertThat(policy.queue().flowDepth()).isEqualTo(10);
        Policy again = parser.patch(policy, "{\"queue\":{\"depth\":60}}", "patch");
        assertThat(again.queue()).isEqualTo(new QueueLimit(60, Duration.ofSeconds(5),
                KeyExpression.parse("header:X-Tenant"), java.util.Map.of("gold", 4), 1, 10));
    }
}
