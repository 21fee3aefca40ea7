package dev.sluice.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.spi.ClusterSettings;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FilterSettingsTest {
    private final Map<String, String> env = new HashMap<>();

    private FilterSettings read(Map<String, String> params) {
        return FilterSettings.read(params, env::get);
    }

    @Test
    void defaultsToTheWebInfPolicyFileAndNoCluster() {
        FilterSettings settings = read(Map.of());

        assertThat(settings.config()).isEqualTo("/WEB-INF/sluice.yaml");
        assertThat(settings.trustedProxies()).isEmpty();
        assertThat(settings.hazelcast()).isNull();
    }

    @Test
    void readsEveryInitParam() {
        FilterSettings settings = read(Map.of("config", "classpath:policies/sluice.json",
                "trusted-proxies", "10.0.0.0/8, ::1  192.168.1.7", "hazelcast", "client"));

        assertThat(settings.config()).isEqualTo("classpath:policies/sluice.json");
        assertThat(settings.configSource()).isEqualTo("init-param config");
        assertThat(settings.trustedProxies()).containsExactly("10.0.0.0/8", "::1", "192.168.1.7");
        assertThat(settings.clusterSettings().mode()).isEqualTo("client");
    }

    @Test
    void letsEnvironmentVariablesOverrideInitParams() {
        env.put("SLUICE_CONFIG", "/etc/sluice/policies.yaml");
        env.put("SLUICE_TRUSTED_PROXIES", "172.16.0.0/12");
        env.put("SLUICE_HAZELCAST", "classpath:hazelcast.yaml");
        env.put("SLUICE_MEMBERS", "10.0.0.5:5701, 10.0.0.6:5702");
        env.put("SLUICE_HZ_PORT", "5801");
        env.put("SLUICE_HZ_HOST", "10.0.0.4");

        FilterSettings settings = read(Map.of("config", "/WEB-INF/sluice.yaml", "trusted-proxies", "10.0.0.0/8"));

        assertThat(settings.config()).isEqualTo("/etc/sluice/policies.yaml");
        assertThat(settings.configSource()).isEqualTo("environment variable SLUICE_CONFIG");
        assertThat(settings.trustedProxies()).containsExactly("172.16.0.0/12");
        ClusterSettings cluster = settings.clusterSettings();
        assertThat(cluster.mode()).isEqualTo("embedded");
        assertThat(cluster.config()).isEqualTo("classpath:hazelcast.yaml");
        assertThat(cluster.members()).containsExactly("10.0.0.5:5701", "10.0.0.6:5702");
        assertThat(cluster.port()).isEqualTo(5801);
        assertThat(cluster.bindHost()).isEqualTo("10.0.0.4");
    }

    @Test
    void ignoresBlankEnvironmentVariables() {
        env.put("SLUICE_CONFIG", "  ");

        assertThat(read(Map.of("config", "classpath:a.yaml")).config()).isEqualTo("classpath:a.yaml");
    }

    @Test
    void refusesAnUnknownInitParamNamingItAndTheAllowedOnes() {
        assertThatThrownBy(() -> read(Map.of("confg", "/WEB-INF/sluice.yaml")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown init-param confg; allowed: cluster-options, cluster-timeout, config, hazelcast, "
                        + "trace-header, trace-secret, trusted-proxies");
    }

    @Test
    void theTraceIsOffByDefaultAndItsSecretIsNeverQuotedBack() {
        assertThat(read(Map.of()).trace().enabled()).isFalse();
        assertThat(read(Map.of("trace-secret", "0123456789abcdef", "trace-header", "X-Why")).trace().requestHeader())
                .isEqualTo("X-Why");
        assertThatThrownBy(() -> read(Map.of("trace-secret", "short-secret")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("init-param trace-secret").hasMessageContaining("at least 16")
                .hasMessageNotContaining("short-secret");
        assertThatThrownBy(() -> read(Map.of("trace-header", "bad header")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("init-param trace-header");
    }

    @Test
    void passesTheClusterTimeLimitAndOptionsToTheProvider() {
        FilterSettings settings = read(Map.of("cluster-timeout", "100ms",
                "cluster-options", "breaker-open=10s, cluster-name=shop"));

        assertThat(settings.clusterSettings().options()).containsOnly(Map.entry("timeout", "100ms"),
                Map.entry("breaker-open", "10s"), Map.entry("cluster-name", "shop"));

        env.put("SLUICE_CLUSTER_TIMEOUT", "250ms");
        env.put("SLUICE_CLUSTER_OPTIONS", "breaker-window=40");
        assertThat(read(Map.of("cluster-timeout", "100ms")).clusterSettings().options())
                .containsOnly(Map.entry("timeout", "250ms"), Map.entry("breaker-window", "40"));
    }

    @Test
    void refusesMalformedClusterOptionsNamingTheSetting() {
        assertThatThrownBy(() -> read(Map.of("cluster-timeout", "50")))
                .hasMessage("init-param cluster-timeout: \"50\" must be a duration such as 250ms, 1s, 5m, 1h or 1d "
                        + "(units: ms, s, m, h, d)");
        assertThatThrownBy(() -> read(Map.of("cluster-options", "breaker-open")))
                .hasMessageStartingWith("init-param cluster-options: \"breaker-open\" must be name=value pairs");
        assertThatThrownBy(() -> read(Map.of("cluster-options", "timeout=1s,timeout=2s")))
                .hasMessage("init-param cluster-options: \"timeout=1s,timeout=2s\" sets option timeout twice");
        assertThatThrownBy(() -> read(Map.of("cluster-options", "timeout=1s", "cluster-timeout", "2s")))
                .hasMessage("init-param cluster-timeout: \"2s\" sets the cluster time limit, which the cluster "
                        + "options set too; set it once");
    }

    @Test
    void refusesMalformedValuesNamingWhereTheyCameFrom() {
        assertThatThrownBy(() -> read(Map.of("trusted-proxies", "10.0.0.0/33")))
                .hasMessage("init-param trusted-proxies: must be an IP address or a CIDR range such as 10.0.0.0/8 or "
                        + "fd00::/8, got \"10.0.0.0/33\" (the prefix may be at most 32)");
        assertThatThrownBy(() -> read(Map.of("trusted-proxies", "10.0.0.1 proxy.example.com")))
                .hasMessageStartingWith("init-param trusted-proxies: must be an IP address or a CIDR range")
                .hasMessageEndingWith("got \"proxy.example.com\"");
        assertThatThrownBy(() -> read(Map.of("config", "")))
                .hasMessageStartingWith("init-param config: \"\" is empty");
        assertThatThrownBy(() -> read(Map.of("config", "https://example.com/sluice.yaml")))
                .hasMessageStartingWith("init-param config: \"https://example.com/sluice.yaml\" is not a supported "
                        + "location");
        assertThatThrownBy(() -> read(Map.of("config", "classpath:")))
                .hasMessageStartingWith("init-param config: \"classpath:\" names no resource");
        assertThatThrownBy(() -> read(Map.of("hazelcast", "cluster")))
                .hasMessage("init-param hazelcast: \"cluster\" must be embedded, client, or a Hazelcast configuration "
                        + "file (classpath:... or a path, ending in .yaml, .yml or .xml)");
        env.put("SLUICE_HZ_PORT", "70000");
        assertThatThrownBy(() -> read(Map.of()))
                .hasMessage("environment variable SLUICE_HZ_PORT: \"70000\" must be a port number from 1 to 65535");
        env.remove("SLUICE_HZ_PORT");
        env.put("SLUICE_MEMBERS", "10.0.0.5");
        assertThatThrownBy(() -> read(Map.of()))
                .hasMessageStartingWith("environment variable SLUICE_MEMBERS: \"10.0.0.5\" is not host:port");
        env.remove("SLUICE_MEMBERS");
        env.put("SLUICE_TRUSTED_PROXIES", "x");
        assertThatThrownBy(() -> read(Map.of()))
                .hasMessageStartingWith("environment variable SLUICE_TRUSTED_PROXIES: must be an IP address");
    }

    @Test
    void acceptsFilePathsIncludingWindowsDrives() {
        assertThat(read(Map.of("config", "C:\\sluice\\policies.yaml")).config()).isEqualTo("C:\\sluice\\policies.yaml");
        assertThat(read(Map.of("config", "conf/sluice.yaml")).config()).isEqualTo("conf/sluice.yaml");
        assertThat(List.of(read(Map.of("hazelcast", "embedded")).clusterSettings().mode())).containsExactly("embedded");
    }
}
