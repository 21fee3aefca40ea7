package dev.sluice.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.HeaderCondition;
import dev.sluice.core.config.Match;
import dev.sluice.core.testkit.TestRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyIndexTest {
    private static final String[] LITERALS = {"a", "b", "ab", "api", "v1", "v2", "x.png", "A", "users"};
    private static final String[] GLOBS = {"*", "**", "?", "a*", "*b", "v?", "*.png", "**"};
    private static final String[] METHODS = {"GET", "POST", "PUT", "get"};
    private static final String[] HEADER_NAMES = {"X-Tenant", "x-tenant", "X-Key"};
    private static final String[] HEADER_VALUES = {"t1", "t2", "T1"};

    @Test
    void findsExactlyWhatAScanOfEveryPolicyFinds() {
        Random random = new Random(18);
        for (int round = 0; round < 2_000; round++) {
            List<MatchRule> rules = new ArrayList<>();
            List<Match> matches = new ArrayList<>();
            int count = 1 + random.nextInt(random.nextBoolean() ? 8 : 60);
            for (int i = 0; i < count; i++) {
                Match match = randomMatch(random);
                matches.add(match);
                rules.add(new MatchRule(match));
            }
            PolicyIndex index = PolicyIndex.of(matches);
            for (int probe = 0; probe < 50; probe++) {
                TestRequest request = randomRequest(random);
                List<Integer> scanned = new ArrayList<>();
                for (int i = 0; i < rules.size(); i++) {
                    if (rules.get(i).matches(request)) {
                        scanned.add(i);
                    }
                }
                int[] candidates = index.candidates(request);
                List<Integer> indexed = new ArrayList<>();
                for (int i = 0; i < candidates.length; i++) {
                    if (i > 0) {
                        assertThat(candidates[i]).as("ascending, no repeats").isGreaterThan(candidates[i - 1]);
                    }
                    if (rules.get(candidates[i]).matches(request)) {
                        indexed.add(candidates[i]);
                    }
                }
                assertThat(indexed).as("round %d, %s %s %s against %s", round, request.method(), request.path(),
                        request.header("X-Tenant"), matches).isEqualTo(scanned);
            }
        }
    }

    @Test
    void offersOnlyThePoliciesOnThePathsBranch() {
        List<Match> matches = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            matches.add(new Match(List.of("/api/v" + i + "/**"), Set.of(), List.of()));
        }
        PolicyIndex index = PolicyIndex.of(matches);

        assertThat(index.candidates(TestRequest.get("/api/v999/users/42"))).containsExactly(999);
        assertThat(index.candidates(TestRequest.get("//api//v7"))).containsExactly(7);
        assertThat(index.candidates(TestRequest.get("/static/logo.png"))).isEmpty();
        assertThat(index.candidates(TestRequest.get("/api/v1000/x"))).isEmpty();
    }

    @Test
    void offersPoliciesByHeaderValueAndMethodInDeclarationOrder() {
        List<Match> matches = new ArrayList<>();
        matches.add(new Match(List.of("/**"), Set.of(), List.of()));
        for (int i = 0; i < 100; i++) {
            matches.add(new Match(List.of("/**"), Set.of(), List.of(new HeaderCondition("X-Tenant", "t" + i))));
        }
        matches.add(new Match(List.of("/api/**"), Set.of("POST"), List.of()));
        matches.add(new Match(List.of("/*/orders"), Set.of(), List.of()));
        PolicyIndex index = PolicyIndex.of(matches);

        assertThat(index.candidates(TestRequest.get("/api/orders").method("POST").header("x-tenant", "t42")))
                .containsExactly(0, 43, 101, 102);
        assertThat(index.candidates(TestRequest.get("/api/orders"))).containsExactly(0, 102);
    }

    private static Match randomMatch(Random random) {
        List<String> paths = new ArrayList<>();
        int pathCount = 1 + random.nextInt(random.nextInt(4) == 0 ? 3 : 1);
        for (int p = 0; p < pathCount; p++) {
            StringBuilder pattern = new StringBuilder();
            int segments = random.nextInt(5);
            for (int s = 0; s < segments; s++) {
                pattern.append(random.nextInt(8) == 0 ? "//" : "/");
                pattern.append(random.nextInt(4) == 0 ? pick(random, GLOBS) : pick(random, LITERALS));
            }
            if (pattern.length() == 0 || random.nextInt(6) == 0) {
                pattern.append("/");
            }
            paths.add(pattern.toString());
        }
        Set<String> methods = new HashSet<>();
        if (random.nextInt(3) == 0) {
            int n = 1 + random.nextInt(2);
            for (int m = 0; m < n; m++) {
                methods.add(pick(random, new String[] {"GET", "POST", "PUT"}));
            }
        }
        List<HeaderCondition> headers = new ArrayList<>();
        int n = random.nextInt(3) == 0 ? 1 + random.nextInt(2) : 0;
        for (int h = 0; h < n; h++) {
            headers.add(new HeaderCondition(pick(random, HEADER_NAMES),
                    random.nextInt(3) == 0 ? null : pick(random, HEADER_VALUES)));
        }
        return new Match(paths, methods, headers);
    }

    private static TestRequest randomRequest(Random random) {
        StringBuilder path = new StringBuilder();
        int segments = random.nextInt(6);
        for (int s = 0; s < segments; s++) {
            path.append(random.nextInt(8) == 0 ? "//" : "/");
            path.append(random.nextInt(10) == 0 ? "zz" : pick(random, LITERALS));
        }
        if (path.length() == 0 || random.nextInt(6) == 0) {
            path.append("/");
        }
        TestRequest request = TestRequest.get(path.toString()).method(pick(random, METHODS));
        if (random.nextBoolean()) {
            request.header("X-Tenant", pick(random, HEADER_VALUES));
        }
        if (random.nextBoolean()) {
            request.header("x-key", pick(random, HEADER_VALUES));
        }
        return request;
    }

    private static String pick(Random random, String[] from) {
        return from[random.nextInt(from.length)];
    }
}
