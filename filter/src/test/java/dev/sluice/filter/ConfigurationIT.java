package dev.sluice.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.Sluice;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The filter as web.xml declares it: configured by init-params and the environment, failing start-up on bad ones. */
class ConfigurationIT {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private void start(Map<String, String> initParams, Function<String, String> env) throws Exception {
        server = TestServer.start(new SluiceFilter(env), TestServer.Registration.withInitParams(initParams));
    }

    @Test
    void readsPoliciesFromTheClassPathAndPublishesTheEngine() throws Exception {
        start(Map.of("config", "classpath:policies/limited.yaml"), name -> null);

        assertThat(statuses("/limited/ok", 3)).containsExactly(200, 200, 429);
        assertThat(server.context.getServletContext().getAttribute(SluiceFilter.SLUICE_ATTRIBUTE))
                .isInstanceOf(Sluice.class);
    }

    @Test
    void readsPoliciesFromAFileNamedByTheEnvironment(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("sluice.yaml");
        Files.writeString(file, "policies:\n  - name: from-file\n    match: { paths: [\"/limited/**\"] }\n"
                + "    rate: { limit: 1, period: 1h }\n");

        start(Map.of("config", "classpath:policies/limited.yaml"),
                Map.of("SLUICE_CONFIG", file.toString())::get);

        assertThat(statuses("/limited/ok", 2)).containsExactly(200, 429);
    }

    @Test
    void keysTheClientBehindATrustedProxyByItsForwardedAddress() throws Exception {
        start(Map.of("config", "classpath:policies/per-ip.yaml", "trusted-proxies", "127.0.0.1"), name -> null);

        assertThat(status("/limited/ok", "203.0.113.1")).isEqualTo(200);
        assertThat(status("/limited/ok", "203.0.113.1")).isEqualTo(429);
        assertThat(status("/limited/ok", "203.0.113.2")).isEqualTo(200);
    }

    @Test
    void believesNoForwardingHeaderWithoutTrustedProxies() throws Exception {
        start(Map.of("config", "classpath:policies/per-ip.yaml"), name -> null);

        assertThat(status("/limited/ok", "203.0.113.1")).isEqualTo(200);
        assertThat(status("/limited/ok", "203.0.113.2")).isEqualTo(429);
    }

    @Test
    void removesTheEngineFromTheContextAndClosesItWhenStopped() throws Exception {
        start(Map.of("config", "classpath:policies/limited.yaml"), name -> null);
        var context = server.context.getServletContext();
        Sluice sluice = (Sluice) context.getAttribute(SluiceFilter.SLUICE_ATTRIBUTE);

        server.close();
        server = null;

        assertThat(context.getAttribute(SluiceFilter.SLUICE_ATTRIBUTE)).isNull();
        assertThat(sluice.policies()).isEmpty();
    }

    @Test
    void failsStartUpOnAnUnknownInitParam() {
        assertThatThrownBy(() -> start(Map.of("config", "classpath:policies/limited.yaml", "trusted-proxy", "::1"),
                name -> null))
                .hasStackTraceContaining("SluiceFilter 'sluice' cannot start: unknown init-param trusted-proxy; "
                        + "allowed: cluster-options, cluster-timeout, config, hazelcast, trace-header, "
                        + "trace-secret, trusted-proxies");
    }

    @Test
    void failsStartUpOnAMalformedInitParam() {
        assertThatThrownBy(() -> start(Map.of("trusted-proxies", "10.0.0.0/8, proxy"), name -> null))
                .hasStackTraceContaining("init-param trusted-proxies: must be an IP address or a CIDR range")
                .hasStackTraceContaining("got \"proxy\"");
    }

    @Test
    void failsStartUpOnAnInvalidPolicyFileNamingTheLineAndField() {
        assertThatThrownBy(() -> start(Map.of("config", "classpath:policies/broken.yaml"), name -> null))
                .hasStackTraceContaining("classpath:policies/broken.yaml line 4")
                .hasStackTraceContaining("policies[0].rate.limit");
    }

    @Test
    void failsStartUpWhenThePolicyFileIsMissing() {
        assertThatThrownBy(() -> start(Map.of("config", "/WEB-INF/missing.yaml"), name -> null))
                .hasStackTraceContaining("/WEB-INF/missing.yaml: does not exist in the web application "
                        + "(init-param config)");
    }

    @Test
    void failsStartUpWhenAClusterIsNeededAndNoProviderIsOnTheClassPath() {
        assertThatThrownBy(() -> start(Map.of("config", "classpath:policies/cluster.yaml"), name -> null))
                .hasStackTraceContaining("policy 'shared' (scope: cluster) needs a cluster")
                .hasStackTraceContaining("add dev.sluice:sluice-hazelcast");
        assertThatThrownBy(() -> start(Map.of("config", "classpath:policies/limited.yaml", "hazelcast", "embedded"),
                name -> null))
                .hasStackTraceContaining("the hazelcast setting needs a cluster");
    }

    /**
     * One policy file per class of mistake: the filter refuses to start, and the message names the file, the line,
     * the field, the bad value and what is allowed. (Every message of the parser is covered by PolicyParserTest;
     * here each class is shown to stop the filter's start-up with it.)
     */
    static Stream<Arguments> policyFileMistakes() {
        String rate = "    rate: { limit: 5, period: 1s }\n";
        return Stream.of(
                Arguments.of("YAML syntax", "policies: [\n  - name: a\n", "sluice.yaml line ", "is not valid YAML"),
                Arguments.of("duplicate key", "policies:\n  - name: a\n" + rate + rate, "sluice.yaml line 4",
                        "has the key \"rate\" twice"),
                Arguments.of("unknown key", "policies:\n  - name: a\n" + rate + "    colour: blue\n",
                        "sluice.yaml line 4", "policies[0] has an unknown field \"colour\"; allowed: name, match,"),
                Arguments.of("unknown top-level key", "rules: []\n", "sluice.yaml line 1",
                        "rules is an unknown field; allowed: policies, trusted-proxies"),
                Arguments.of("wrong type", "policies:\n  - name: a\n    rate: 10\n", "sluice.yaml line 3",
                        "policies[0].rate must be an object {limit, period, burst}, got 10"),
                Arguments.of("wrong type of a number", "policies:\n  - name: a\n    rate: { limit: x, period: 1s }\n",
                        "sluice.yaml line 3", "policies[0].rate.limit must be an integer, got \"x\""),
                Arguments.of("value out of range", "policies:\n  - name: a\n    rate: { limit: -5, period: 1s }\n",
                        "sluice.yaml line 3 column 20",
                        "policies[0].rate.limit must be an integer from 1 to 1000000000, got -5"),
                Arguments.of("permits out of range", "policies:\n  - name: a\n    concurrency: { permits: 0 }\n",
                        "sluice.yaml line 3",
                        "policies[0].concurrency.permits must be an integer from 1 to 1000000, got 0"),
                Arguments.of("cross-field: cost above the burst", "policies:\n  - name: a\n" + rate + "    cost: 9\n",
                        "sluice.yaml line 4", "policies[0].cost must not exceed rate.burst (5)"),
                Arguments.of("cross-field: a queue with nothing to queue for", "policies:\n  - name: a\n"
                        + "    quota: { limit: 5, period: 1d }\n    queue: { depth: 1, max-wait: 1s }\n",
                        "sluice.yaml line 4", "policies[0].queue needs rate or concurrency to queue for"),
                Arguments.of("no limit at all", "policies:\n  - name: a\n", "sluice.yaml line 2",
                        "policies[0].rate is required unless quota or concurrency is set"),
                Arguments.of("bad duration", "policies:\n  - name: a\n    rate: { limit: 5, period: 5x }\n",
                        "sluice.yaml line 3", "policies[0].rate.period must be a duration such as 250ms, 1s, 5m, 1h "
                                + "or 1d (units: ms, s, m, h, d), got \"5x\""),
                Arguments.of("duration out of range", "policies:\n  - name: a\n"
                        + "    concurrency: { permits: 2, lease: 10ms }\n", "sluice.yaml line 3",
                        "policies[0].concurrency.lease must be a duration from 1s to 1d, got \"10ms\""),
                Arguments.of("unknown scope", "policies:\n  - name: a\n" + rate + "    scope: galaxy\n",
                        "sluice.yaml line 4", "policies[0].scope must be one of node, cluster, got \"galaxy\""),
                Arguments.of("unknown mode", "policies:\n  - name: a\n" + rate + "    mode: loud\n",
                        "sluice.yaml line 4", "policies[0].mode must be one of enforce, shadow, got \"loud\""),
                Arguments.of("unknown key part", "policies:\n  - name: a\n" + rate + "    key: ip+shoe\n",
                        "sluice.yaml line 4", "policies[0].key has an unknown part; allowed: ip, header:NAME"),
                Arguments.of("bad trusted-proxies CIDR", "trusted-proxies: [\"10.0.0.0/33\"]\npolicies: []\n",
                        "sluice.yaml line 1", "trusted-proxies[0] must be an IP address or a CIDR range"),
                Arguments.of("empty file", "", "sluice.yaml", "is empty"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("policyFileMistakes")
    void failsStartUpOnEachClassOfMistakeInThePolicyFile(String mistake, String yaml, String where, String message,
            @TempDir Path directory) throws Exception {
        Path file = directory.resolve("sluice.yaml");
        Files.writeString(file, yaml);

        assertThatThrownBy(() -> start(Map.of("config", file.toString()), name -> null))
                .hasStackTraceContaining("SluiceFilter 'sluice' cannot start")
                .hasStackTraceContaining(where)
                .hasStackTraceContaining(message);
    }

    @Test
    void failsStartUpWhenThePolicyFileNamedByTheEnvironmentIsMissing(@TempDir Path directory) {
        Path missing = directory.resolve("nowhere/sluice.yaml");

        assertThatThrownBy(() -> start(Map.of("config", "classpath:policies/limited.yaml"),
                Map.of("SLUICE_CONFIG", missing.toString())::get))
                .hasStackTraceContaining("SluiceFilter 'sluice' cannot start")
                .hasStackTraceContaining(missing + ": does not exist");
    }

    /** Bad cluster and proxy settings are refused before any policy is read or any cluster is contacted. */
    static Stream<Arguments> badSettings() {
        return Stream.of(
                Arguments.of(Map.of("hazelcast", "hazelcast.json"), Map.of(),
                        "init-param hazelcast: \"hazelcast.json\" must be embedded, client, or a Hazelcast "
                                + "configuration file"),
                Arguments.of(Map.of("hazelcast", "https://example.com/hazelcast.yaml"), Map.of(),
                        "is not a supported location of a Hazelcast configuration"),
                Arguments.of(Map.of(), Map.of("SLUICE_HAZELCAST", "cluster"),
                        "environment variable SLUICE_HAZELCAST: \"cluster\" must be embedded, client"),
                Arguments.of(Map.of(), Map.of("SLUICE_HZ_PORT", "70000"),
                        "environment variable SLUICE_HZ_PORT: \"70000\" must be a port number from 1 to 65535"),
                Arguments.of(Map.of(), Map.of("SLUICE_MEMBERS", "10.0.0.5:5701,10.0.0.6"),
                        "environment variable SLUICE_MEMBERS: \"10.0.0.6\" is not host:port"),
                Arguments.of(Map.of(), Map.of("SLUICE_HZ_HOST", "bad host!"),
                        "environment variable SLUICE_HZ_HOST: \"bad host!\" is not a host name or IP address"),
                Arguments.of(Map.of(), Map.of("SLUICE_TRUSTED_PROXIES", "10.0.0.0/33"),
                        "environment variable SLUICE_TRUSTED_PROXIES: "),
                Arguments.of(Map.of("trusted-proxies", "  "), Map.of(),
                        "init-param trusted-proxies: \"\" is empty"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badSettings")
    void failsStartUpOnEachBadSetting(Map<String, String> initParams, Map<String, String> env, String message) {
        Map<String, String> params = new java.util.HashMap<>(initParams);
        params.putIfAbsent("config", "classpath:policies/limited.yaml");

        assertThatThrownBy(() -> start(params, env::get))
                .hasStackTraceContaining("SluiceFilter 'sluice' cannot start")
                .hasStackTraceContaining(message);
    }

    private int status(String path, String forwardedFor) throws Exception {
        return client.send(HttpRequest.newBuilder(server.uri(path)).header("X-Forwarded-For", forwardedFor)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private java.util.List<Integer> statuses(String path, int count) throws Exception {
        java.util.List<Integer> statuses = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            statuses.add(client.send(HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        return statuses;
    }
}
