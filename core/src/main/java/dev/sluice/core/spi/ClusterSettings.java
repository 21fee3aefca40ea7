package dev.sluice.core.spi;

import java.util.List;
import java.util.Map;

/**
 * How to reach the cluster, as the adapters read it from their configuration (init-params, environment,
 * application properties).
 *
 * @param mode       {@code embedded} (start a member in this JVM, the default) or {@code client} (connect to an
 *                   existing cluster whose members carry sluice-hazelcast on their classpath)
 * @param config     a provider-specific configuration file ({@code classpath:...} or a path), or null for the
 *                   provider's default
 * @param members    {@code host:port} addresses of peers (embedded) or of cluster members (client); empty for a
 *                   standalone embedded member
 * @param port       this member's port in embedded mode, or null for the provider's default
 * @param bindHost   the address an embedded member binds, or null for 127.0.0.1
 * @param options    further provider-specific options; unknown options are refused by the provider
 */
public record ClusterSettings(String mode, String config, List<String> members, Integer port, String bindHost,
        Map<String, String> options) {
    public ClusterSettings {
        mode = mode == null ? "embedded" : mode;
        members = List.copyOf(members == null ? List.of() : members);
        options = Map.copyOf(options == null ? Map.of() : options);
    }

    public static ClusterSettings embedded() {
        return new ClusterSettings("embedded", null, List.of(), null, null, Map.of());
    }
}
