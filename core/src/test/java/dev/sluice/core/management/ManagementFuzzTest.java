package dev.sluice.core.management;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Match;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Quota;
import dev.sluice.core.config.Rate;
import dev.sluice.core.spi.VersionedPolicy;
import dev.sluice.core.testkit.ManualScheduler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Thousands of random and mutated calls (seeded, so every run sends the same): no answer is a server error, every
 * refusal is a problem body, and the policy set is the same afterwards. Writes carry conditions that never hold (a
 * version the store never reached) or malformed ones, so that a mutation that happens to be valid still changes
 * nothing.
 */
class ManagementFuzzTest {
    private static final String TOKEN = "fuzz-token";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String[] SEEDS = {
        "{\"rate\":{\"limit\":5}}", "{\"concurrency\":{\"permits\":3}}", "{\"queue\":{\"depth\":10}}",
        "{\"mode\":\"shadow\"}", "{\"quota\":{\"limit\":1000,\"period\":\"1d\"}}", "{\"quota\":null}",
        "{\"name\":\"api\",\"match\":{\"paths\":[\"/api/**\"],\"methods\":[\"GET\"]},\"key\":\"header:X-Key+ip\","
                + "\"rate\":{\"limit\":50,\"period\":\"1s\",\"burst\":60},\"reject\":{\"status\":429}}",
        "{\"concurrency\":{\"permits\":2,\"lease\":\"30s\"},\"queue\":{\"depth\":4,\"max-wait\":\"2s\"}}",
        "name: api\nrate: {limit: 3, period: 1s}\n", "{\"rate\":{\"limit\":1e400}}", "{\"a\":[[[[[[]]]]]]}",
        "{\"match\":{\"headers\":[{\"name\":\"X-A\",\"value\":\"b\"}]},\"cost\":\"header:X-Cost\"}",
        "{\"rate\":{\"period\":\"9999999999999999999d\"}}", "{\"rate\":{\"limit\":-0.0}}", "[]", "", "null",
        "{\"rate\":{\"limit\":8.8E-3153167425319330}}",
        "rate: &r {limit: 3, period: 1s}\nquota: *r\n", "a: &a [*a, *a]\n", "rate: !!binary aGVsbG8=\n",
        "? [rate]\n: {limit: 1}\n", "rate: {limit: !!float 1e99999999999}\n", "--- \nrate: {}\n---\nmode: x\n",
        "l0: &l0 [x, x]\nl1: &l1 [*l0, *l0]\nl2: &l2 [*l1, *l1]\nl3: [*l2, *l2]\n", "rate:\n\tlimit: 1\n",
    };
    private static final String[] PATHS = {
        "/policies", "/policies/api", "/policies/jobs", "/policies/api/keys/x%2Fy", "/policies/jobs/keys/a",
        "/policies/%", "/policies/%e0%80", "/", "/policies/api/keys", "/policies/jobs/keys/a/b", "/audit/x",
        "/policies/api/../jobs", "/metrics", "/health", "/audit", "/policies//api", "/policies/api%00",
        "/policies/%F0%9F%98%80", "/policies/a.b-c_d", "//policies///jobs//",
    };
    private static final String[] METHODS = {"GET", "PUT", "PATCH", "DELETE", "POST", "HEAD", "OPTIONS", "patch",
        "", "G ET", "PROPFIND"};
    private static final String[] CONTENT_TYPES = {"application/json", "application/merge-patch+json",
        "application/json; charset=utf-8", "application/yaml", "text/plain", "", ";", "application/json;;;",
        "APPLICATION/JSON", "multipart/form-data; boundary=x", null};
    private static final String[] BAD_CONDITIONS = {"seven", "\"\"", "W/", "\"1\" \"2\"", "\"9x\"", "*, *",
        "\"-1\"", "\"0\"", "\u0000", "W/\"abc\"", "\"99999999999999999999999\""};

    private final ManualScheduler time = new ManualScheduler();
    private Sluice sluice;
    private ManagementService service;

    @BeforeEach
    void start() {
        sluice = Sluice.builder().scheduler(time).policies(new PolicySet(List.of(
                Policy.builder("api").rate(new Rate(10, Duration.ofSeconds(1)))
                        .quota(new Quota(1000, Duration.ofDays(1))).build(),
                Policy.builder("jobs").match(new Match(List.of("/jobs/**"), Set.of(), List.of())).key("header:K")
                        .concurrency(new Concurrency(2)).queue(new QueueLimit(5, Duration.ofMinutes(1))).build())))
                .build();
        service = new ManagementService(sluice, ManagementSettings.withToken(TOKEN));
    }

    @AfterEach
    void stop() {
        service.close();
        sluice.close();
    }

    @Test
    void randomCallsNeverFailOnTheServerAndChangeNoPolicy() {
        List<VersionedPolicy> before = sluice.policyStore().list();
        SplittableRandom random = new SplittableRandom(4_2026_11_23L);
        List<String> failures = new ArrayList<>();
        int refusals = 0;
        for (int i = 0; i < 4000; i++) {
            ManagementCall call = randomCall(random);
            ManagementRequest request = call.request();
            ManagementResponse answer = call.send(service);
            String what = i + ": " + request.method() + " " + request.path() + " -> " + answer.status();
            boolean read = List.of("GET", "HEAD", "OPTIONS").contains(request.method());
            boolean keyReset = request.method().equals("DELETE") && answer.status() == 204
                    && request.path().contains("/keys/");
            if (answer.status() >= 500) {
                failures.add(what + " " + answer.bodyText());
            } else if (answer.status() >= 400) {
                refusals++;
                String problem = request.method().equals("HEAD") ? headDefect(answer) : problemDefect(answer);
                if (problem != null) {
                    failures.add(what + ": " + problem);
                }
            } else if (!read && !keyReset) {
                failures.add(what + ": a write was accepted " + answer.bodyText());
            }
        }
        assertThat(failures).isEmpty();
        assertThat(refusals).as("the run mostly exercises refusals").isGreaterThan(3500);
        assertThat(sluice.policyStore().list()).isEqualTo(before);
        assertThat(sluice.policies()).isEqualTo(before);
    }

    /** Null when {@code answer} is a problem's head: the problem's type and length, no body. */
    private static String headDefect(ManagementResponse answer) {
        if (!"application/problem+json".equals(answer.contentType())) {
            return "content type " + answer.contentType();
        }
        return answer.body().length == 0 && answer.headers().containsKey("Content-Length") ? null
                : "a body or no length in the answer to HEAD";
    }

    /** Null when {@code answer} is a well-formed RFC 9457 problem that agrees with its status, else what is wrong. */
    private static String problemDefect(ManagementResponse answer) {
        if (!"application/problem+json".equals(answer.contentType())) {
            return "content type " + answer.contentType();
        }
        JsonNode body;
        try {
            body = JSON.readTree(answer.bodyText());
        } catch (RuntimeException unreadable) {
            return "unreadable body " + answer.bodyText();
        }
        if (!body.path("type").isString() || !body.path("title").isString() || !body.path("detail").isString()
                || body.path("status").asInt() != answer.status()) {
            return "incomplete problem " + answer.bodyText();
        }
        return null;
    }

    /** Most calls are plausible writes with mutated bodies, so that validation is what they exercise. */
    private static ManagementCall randomCall(SplittableRandom random) {
        if (random.nextInt(10) < 6) {
            boolean patch = random.nextBoolean();
            String name = random.nextInt(4) == 0 ? "fresh" : random.nextBoolean() ? "api" : "jobs";
            String type = patch ? (random.nextBoolean() ? "application/merge-patch+json" : "application/json")
                    : (random.nextInt(4) == 0 ? "application/yaml" : "application/json");
            return ManagementCall.of(patch ? "PATCH" : "PUT", "/policies/" + name).bearer(TOKEN)
                    .header("If-Match", "\"9" + digits(random, 5 + random.nextInt(20)) + "\"")
                    .header("Content-Type", type).bytes(randomBody(random));
        }
        return chaoticCall(random);
    }

    private static ManagementCall chaoticCall(SplittableRandom random) {
        String method = METHODS[random.nextInt(METHODS.length)];
        String path = random.nextInt(4) == 0 ? randomPath(random) : PATHS[random.nextInt(PATHS.length)];
        ManagementCall call = ManagementCall.of(method, path);
        switch (random.nextInt(6)) {
            case 0 -> { }
            case 1 -> call.header("Authorization", "Bearer " + randomText(random, 1 + random.nextInt(12)));
            case 2 -> call.header("Authorization", randomText(random, random.nextInt(30)));
            default -> call.bearer(TOKEN);
        }
        String type = CONTENT_TYPES[random.nextInt(CONTENT_TYPES.length)];
        if (type != null) {
            call.header("Content-Type", type);
        }
        // Conditions that never hold, or malformed ones; never one that could match.
        if (random.nextInt(5) == 0) {
            call.header(random.nextBoolean() ? "If-Match" : "If-None-Match",
                    BAD_CONDITIONS[random.nextInt(BAD_CONDITIONS.length)]);
        } else if (random.nextInt(4) == 0) {
            call.header("If-Match", (random.nextBoolean() ? "W/" : "") + "\"9" + digits(random, 6 + random.nextInt(20))
                    + "\"");
        } else if (!method.equals("GET")) {
            call.header("If-Match", "\"" + (900_000 + random.nextInt(1000)) + "\"");
        }
        call.bytes(randomBody(random));
        if (random.nextInt(50) == 0) {
            call.tooLarge();
        }
        return call;
    }

    private static byte[] randomBody(SplittableRandom random) {
        int kind = random.nextInt(10);
        if (kind == 0) {
            byte[] bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
            return bytes;
        }
        if (kind == 1) {
            int depth = 1 + random.nextInt(80);
            return ("{\"rate\":".repeat(depth) + random.nextLong() + "}".repeat(depth))
                    .getBytes(StandardCharsets.UTF_8);
        }
        if (kind == 2) {
            return ("{\"mode\":\"" + "x".repeat(random.nextInt(20_000)) + "\"}").getBytes(StandardCharsets.UTF_8);
        }
        return mutate(SEEDS[random.nextInt(SEEDS.length)], random).getBytes(StandardCharsets.UTF_8);
    }

    private static String randomPath(SplittableRandom random) {
        StringBuilder path = new StringBuilder();
        int segments = random.nextInt(6);
        for (int i = 0; i < segments; i++) {
            path.append('/');
            path.append(random.nextInt(3) == 0 ? "policies" : randomText(random, random.nextInt(15)));
        }
        return path.toString();
    }

    private static String mutate(String seed, SplittableRandom random) {
        StringBuilder text = new StringBuilder(seed);
        int edits = random.nextInt(5);
        for (int e = 0; e < edits && text.length() > 0; e++) {
            int at = random.nextInt(text.length());
            switch (random.nextInt(5)) {
                case 0 -> text.deleteCharAt(at);
                case 1 -> text.insert(at, randomText(random, 1 + random.nextInt(4)));
                case 2 -> text.setCharAt(at, (char) (32 + random.nextInt(95)));
                case 3 -> text.insert(at, random.nextInt(2) == 0 ? String.valueOf(random.nextLong())
                        : String.valueOf(random.nextDouble() * Math.pow(10, random.nextInt(400) - 200)));
                default -> text.insert(at, new String(Character.toChars(random.nextInt(0x1F000))));
            }
        }
        return text.toString();
    }

    private static String digits(SplittableRandom random, int count) {
        StringBuilder digits = new StringBuilder();
        for (int i = 0; i < count; i++) {
            digits.append((char) ('0' + random.nextInt(10)));
        }
        return digits.toString();
    }

    private static String randomText(SplittableRandom random, int length) {
        String alphabet = "abcXYZ019-_.~{}[]\":,/%*+ \t\u00e9\u4e2d\u0000";
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }
}
