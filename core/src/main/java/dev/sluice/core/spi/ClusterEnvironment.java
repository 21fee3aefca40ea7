package dev.sluice.core.spi;

import dev.sluice.core.config.FieldException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The deployment's {@code SLUICE_*} overrides of how to reach the cluster, read and checked once:
 * {@value #MEMBERS} (comma-separated {@code host:port} peers), {@value #PORT} (this member's port) and
 * {@value #HOST} (the address this member binds). A variable that is unset or blank leaves the configured value.
 *
 * @param members the peers from {@value #MEMBERS}; empty when it is not set
 * @param port    the port from {@value #PORT}, or null
 * @param host    the address from {@value #HOST}, or null
 */
public record ClusterEnvironment(List<String> members, Integer port, String host) {
    public static final String MEMBERS = "SLUICE_MEMBERS";
    public static final String PORT = "SLUICE_HZ_PORT";
    public static final String HOST = "SLUICE_HZ_HOST";

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9._:\\[\\]-]{1,255}");

    public ClusterEnvironment {
        members = List.copyOf(members);
    }

    /**
     * Reads and checks the variables.
     *
     * @param env the lookup ({@code System::getenv} in production)
     * @throws IllegalArgumentException naming the variable, the bad value and what is allowed
     */
    public static ClusterEnvironment read(Function<String, String> env) {
        return new ClusterEnvironment(members(env.apply(MEMBERS)), port(env.apply(PORT)), host(env.apply(HOST)));
    }

    /**
     * The configured settings with each variable that is set replacing its value.
     *
     * @throws IllegalArgumentException as {@link ClusterSettings#ClusterSettings} does
     */
    public ClusterSettings applyTo(String mode, String config, List<String> configuredMembers,
            Integer configuredPort, String configuredHost, Map<String, String> options) {
        return new ClusterSettings(mode, config, members.isEmpty() ? configuredMembers : members,
                port == null ? configuredPort : port, host == null ? configuredHost : host, options);
    }

    private static List<String> members(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        List<String> members = new ArrayList<>();
        for (String member : value.split(",")) {
            String address = member.strip();
            if (address.isEmpty()) {
                continue;
            }
            int colon = address.lastIndexOf(':');
            boolean ok = colon > 0 && HOST_NAME.matcher(address.substring(0, colon)).matches()
                    && isPort(address.substring(colon + 1));
            if (!ok) {
                throw new IllegalArgumentException("environment variable " + MEMBERS + ": "
                        + FieldException.render(address) + " is not host:port (port 1 to 65535); give peers as "
                        + "10.0.0.5:5701,10.0.0.6:5701");
            }
            members.add(address);
        }
        return members;
    }

    private static Integer port(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (!isPort(value.strip())) {
            throw new IllegalArgumentException("environment variable " + PORT + ": "
                    + FieldException.render(value) + " must be a port number from 1 to 65535");
        }
        return Integer.valueOf(value.strip());
    }

    private static String host(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (!HOST_NAME.matcher(value.strip()).matches()) {
            throw new IllegalArgumentException("environment variable " + HOST + ": "
                    + FieldException.render(value) + " is not a host name or IP address");
        }
        return value.strip();
    }

    private static boolean isPort(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            return false;
        }
        return ClusterSettings.isPort(Integer.parseInt(text));
    }
}
