package dev.sluice.core.spi;

import java.util.List;
import java.util.Map;

/**
 * How to reach the cluster, as the adapters read it from their configuration (init-params, environment,
 * application properties; the {@code SLUICE_*} overrides through {@link ClusterEnvironment}). Checked at
 * construction: the mode, the port, each member's {@code host:port}, and that client mode has no port or bind host.
 * The messages keep the wording of the provider that used to check them ({@code hazelcast ...}). Provider options
 * are the provider's to check.
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
    /**
     * @throws IllegalArgumentException naming the bad mode, port or member, or a port or bind host in client mode
     */
    public ClusterSettings {
        mode = mode == null ? "embedded" : mode;
        members = List.copyOf(members == null ? List.of() : members);
        options = Map.copyOf(options == null ? Map.of() : options);
        if (!mode.equals("embedded") && !mode.equals("client")) {
            throw new IllegalArgumentException("hazelcast mode must be embedded or client, got '" + mode + "'");
        }
        if (port != null) {
            checkPort(port);
        }
        for (String member : members) {
            checkAddress(member);
        }
        if (mode.equals("client") && (port != null || bindHost != null)) {
            throw new IllegalArgumentException("hazelcast port and bind host apply to an embedded member, not to "
                    + "client mode; remove them (SLUICE_HZ_PORT, SLUICE_HZ_HOST) or use mode embedded");
        }
    }

    public static ClusterSettings embedded() {
        return new ClusterSettings("embedded", null, List.of(), null, null, Map.of());
    }

    /** Whether {@code port} is a TCP port number, 1 to 65535. */
    public static boolean isPort(int port) {
        return port >= 1 && port <= 65535;
    }

    private static void checkPort(int port) {
        if (!isPort(port)) {
            throw new IllegalArgumentException("hazelcast port must be from 1 to 65535, got " + port);
        }
    }

    private static void checkAddress(String member) {
        int colon = member.lastIndexOf(':');
        if (colon <= 0 || colon == member.length() - 1) {
            throw new IllegalArgumentException("hazelcast member '" + member + "' must be host:port");
        }
        try {
            checkPort(Integer.parseInt(member.substring(colon + 1)));
        } catch (NumberFormatException notNumber) {
            throw new IllegalArgumentException("hazelcast member '" + member + "' must be host:port with a numeric "
                    + "port");
        }
    }
}
