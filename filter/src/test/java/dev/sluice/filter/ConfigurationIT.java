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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
                        + "allowed: cluster-options, cluster-timeout, config, hazelcast, trusted-proxies");
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
