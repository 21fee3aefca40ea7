package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.Rate;
import dev.sluice.core.spi.BackendHealth;
import dev.sluice.core.spi.ClusterConnection;
import dev.sluice.core.spi.ClusterProvider;
import dev.sluice.core.spi.ClusterSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The provider the adapters find on the class path, the default member configuration, and bad settings. */
class HazelcastClusterProviderTest {
    private static ClusterProvider provider() {
        for (ClusterProvider provider : ServiceLoader.load(ClusterProvider.class)) {
            if (provider.name().equals("hazelcast")) {
                return provider;
            }
        }
        throw new AssertionError("no cluster provider named hazelcast");
    }

    @Test
    void theProviderStartsAnEmbeddedMemberThatServesABackendAndAStore() {
        String name = "sluice-provider-" + UUID.randomUUID().toString().substring(0, 8);
        ClusterSettings settings = new ClusterSettings("embedded", null, List.of(), TestCluster.freePort(),
                "127.0.0.1", Map.of(HazelcastCluster.CLUSTER_NAME_OPTION, name));
        ClusterConnection connection = provider().connect(settings);
        HazelcastCluster cluster = (HazelcastCluster) connection;
        try {
            assertThat(connection.backend().name()).isEqualTo("hazelcast");
            BackendHealth health = connection.backend().health();
            assertThat(health.status()).isEqualTo(BackendHealth.Status.UP);
            assertThat(health.details()).containsEntry("members", 1);
            Policy policy = Policy.builder("seeded").rate(new Rate(5, Duration.ofSeconds(1))).build();
            assertThat(connection.policyStore().initialize(List.of(policy))).singleElement()
                    .satisfies(stored -> assertThat(stored.policy()).isEqualTo(policy));
            assertThat(cluster.instance().getConfig().getClusterName()).isEqualTo(name);
        } finally {
            connection.close();
        }
        assertThat(cluster.instance().getLifecycleService().isRunning()).as("left the cluster").isFalse();
    }

    @Test
    void theDefaultMemberIsAlonePrivateAndQuiet() {
        Config config = HazelcastCluster.memberConfig(ClusterSettings.embedded());
        NetworkConfig network = config.getNetworkConfig();
        assertThat(config.getClusterName()).isEqualTo("sluice");
        assertThat(network.getJoin().getMulticastConfig().isEnabled()).isFalse();
        assertThat(network.getJoin().getAutoDetectionConfig().isEnabled()).isFalse();
        assertThat(network.getJoin().getTcpIpConfig().isEnabled()).isTrue();
        assertThat(network.getJoin().getTcpIpConfig().getMembers()).isEmpty();
        assertThat(network.getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
        assertThat(config.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
        assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
        assertThat(network.getPort()).isEqualTo(5701);
        assertThat(network.isPortAutoIncrement()).isTrue();
        for (String map : List.of(MapNames.BUCKETS, MapNames.SEMAPHORES, MapNames.POLICIES)) {
            assertThat(config.getMapConfig(map).getBackupCount()).as(map).isEqualTo(1);
        }
        assertThat(SluiceSerialization.registered(config.getSerializationConfig())).isTrue();
    }

    @Test
    void settingsFillInTheMembersPortAndAddress() {
        Config config = HazelcastCluster.memberConfig(new ClusterSettings("embedded", null,
                List.of("10.0.0.5:5701", "10.0.0.6:5702"), 5801, "10.0.0.4", Map.of()));
        assertThat(config.getNetworkConfig().getJoin().getTcpIpConfig().getMembers())
                .containsExactly("10.0.0.5:5701", "10.0.0.6:5702");
        assertThat(config.getNetworkConfig().getPort()).isEqualTo(5801);
        assertThat(config.getNetworkConfig().isPortAutoIncrement()).isFalse();
        assertThat(config.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("10.0.0.4");
    }

    @Test
    void badSettingsAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> provider().connect(new ClusterSettings("sideways", null, List.of(), null, null,
                Map.of()))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hazelcast mode must be embedded or client, got 'sideways'");
        assertThatThrownBy(() -> HazelcastCluster.memberConfig(new ClusterSettings("embedded", null, List.of(), null,
                null, Map.of("backups", "2")))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown hazelcast option(s) [backups]; allowed: [breaker-failure-rate, "
                        + "breaker-half-open-calls, breaker-open, breaker-window, cluster-name, split-brain-protection, timeout]");
        assertThatThrownBy(() -> HazelcastCluster.start(new ClusterSettings("embedded", null, List.of(), null, null,
                Map.of("timeout", "fast")))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hazelcast option timeout must be a duration such as 250ms, 1s, 5m, 1h or 1d, got 'fast'");
        // checked before the instance is touched; the cluster name belongs to the instance's own configuration
        assertThatThrownBy(() -> new HazelcastBackend(null, null, Map.of("cluster-name", "other")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown hazelcast option(s) [cluster-name]; allowed: [breaker-failure-rate, "
                        + "breaker-half-open-calls, breaker-open, breaker-window, timeout]");
        assertThatThrownBy(() -> HazelcastCluster.memberConfig(new ClusterSettings("embedded", null,
                List.of("10.0.0.5"), null, null, Map.of()))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hazelcast member '10.0.0.5' must be host:port");
        assertThatThrownBy(() -> HazelcastCluster.memberConfig(new ClusterSettings("embedded", null, List.of(),
                70000, null, Map.of()))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hazelcast port must be from 1 to 65535, got 70000");
        assertThatThrownBy(() -> HazelcastCluster.memberConfig(new ClusterSettings("embedded",
                "/no/such/hazelcast.yaml", List.of(), null, null, Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("hazelcast configuration /no/such/hazelcast.yaml cannot be read");
        assertThatThrownBy(() -> HazelcastCluster.clientConfig(new ClusterSettings("client", null, List.of(), null,
                null, Map.of()))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("hazelcast client mode needs the cluster's members");
        assertThatThrownBy(() -> HazelcastCluster.clientConfig(new ClusterSettings("client", null,
                List.of("10.0.0.5:5701"), 5701, null, Map.of()))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("hazelcast port and bind host apply to an embedded member");
    }
}
