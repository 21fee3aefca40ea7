package dev.sluice.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterSettingsTest {
    private final Map<String, String> env = new HashMap<>();

    @Test
    void refusesABadModePortOrMember() {
        assertThatThrownBy(() -> new ClusterSettings("sideways", null, List.of(), null, null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hazelcast mode must be embedded or client, got 'sideways'");
        assertThatThrownBy(() -> new ClusterSettings("embedded", null, List.of(), 70000, null, Map.of()))
                .hasMessage("hazelcast port must be from 1 to 65535, got 70000");
        assertThatThrownBy(() -> new ClusterSettings("embedded", null, List.of("10.0.0.5"), null, null, Map.of()))
                .hasMessage("hazelcast member '10.0.0.5' must be host:port");
        assertThatThrownBy(() -> new ClusterSettings("embedded", null, List.of("10.0.0.5:x"), null, null, Map.of()))
                .hasMessage("hazelcast member '10.0.0.5:x' must be host:port with a numeric port");
        assertThatThrownBy(() -> new ClusterSettings("client", null, List.of("10.0.0.5:5701"), null, "10.0.0.4",
                Map.of())).hasMessageStartingWith("hazelcast port and bind host apply to an embedded member");
    }

    @Test
    void letsTheEnvironmentOverrideWhatIsConfigured() {
        env.put("SLUICE_MEMBERS", "10.0.0.5:5701, ,10.0.0.6:5702");
        env.put("SLUICE_HZ_PORT", " 5801 ");

        ClusterSettings settings = ClusterEnvironment.read(env::get).applyTo("embedded", null,
                List.of("10.0.0.9:5701"), 5701, "10.0.0.4", Map.of());

        assertThat(settings.members()).containsExactly("10.0.0.5:5701", "10.0.0.6:5702");
        assertThat(settings.port()).isEqualTo(5801);
        assertThat(settings.bindHost()).isEqualTo("10.0.0.4");
    }

    @Test
    void refusesABadVariableNamingIt() {
        env.put("SLUICE_HZ_PORT", "70000");
        assertThatThrownBy(() -> ClusterEnvironment.read(env::get))
                .hasMessage("environment variable SLUICE_HZ_PORT: \"70000\" must be a port number from 1 to 65535");
        env.clear();
        env.put("SLUICE_MEMBERS", "10.0.0.5");
        assertThatThrownBy(() -> ClusterEnvironment.read(env::get))
                .hasMessageStartingWith("environment variable SLUICE_MEMBERS: \"10.0.0.5\" is not host:port");
        env.clear();
        env.put("SLUICE_HZ_HOST", "bad host!");
        assertThatThrownBy(() -> ClusterEnvironment.read(env::get))
                .hasMessage("environment variable SLUICE_HZ_HOST: \"bad host!\" is not a host name or IP address");
    }
}
