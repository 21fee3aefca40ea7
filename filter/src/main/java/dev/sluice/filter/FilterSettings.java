package dev.sluice.filter;

import dev.sluice.core.DecisionTrace;
import dev.sluice.core.config.Durations;
import dev.sluice.core.config.FieldException;
import dev.sluice.core.key.Cidr;
import dev.sluice.core.spi.ClusterEnvironment;
import dev.sluice.core.spi.ClusterSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The filter's settings: its init-params, each overridden by an environment variable when that is set and not
 * blank. Every value is checked here; a bad one is refused with a message naming the init-param or the variable.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>init-param</th><th>environment</th><th>meaning</th></tr>
 *   <tr><td>{@code config}</td><td>{@code SLUICE_CONFIG}</td><td>the policy file: {@code /WEB-INF/...},
 *       {@code classpath:...} or a file path; default {@code /WEB-INF/sluice.yaml}</td></tr>
 *   <tr><td>{@code trusted-proxies}</td><td>{@code SLUICE_TRUSTED_PROXIES}</td><td>addresses or CIDR ranges,
 *       separated by commas or white space, whose forwarding headers are believed</td></tr>
 *   <tr><td>{@code hazelcast}</td><td>{@code SLUICE_HAZELCAST}</td><td>{@code embedded}, {@code client}, or a
 *       Hazelcast configuration ({@code classpath:...} or a path); enables the cluster</td></tr>
 *   <tr><td></td><td>{@code SLUICE_MEMBERS}</td><td>comma-separated {@code host:port} peers</td></tr>
 *   <tr><td></td><td>{@code SLUICE_HZ_PORT}</td><td>this member's port</td></tr>
 *   <tr><td></td><td>{@code SLUICE_HZ_HOST}</td><td>the address this member binds</td></tr>
 *   <tr><td>{@code cluster-timeout}</td><td>{@code SLUICE_CLUSTER_TIMEOUT}</td><td>the time limit of a cluster call
 *       on a request's path, a duration such as {@code 50ms} (the default); past it the policy's
 *       {@code on-backend-failure} rule decides</td></tr>
 *   <tr><td>{@code cluster-options}</td><td>{@code SLUICE_CLUSTER_OPTIONS}</td><td>further options of the cluster
 *       provider, {@code name=value} separated by commas, e.g. {@code breaker-open=10s,cluster-name=shop}; the
 *       provider refuses unknown names</td></tr>
 * </table>
 *
 * @param config         where the policies are, never null
 * @param configSource   what set {@link #config}, for messages: {@code init-param config}, ...
 * @param trustedProxies CIDRs, checked; empty when none
 * @param hazelcast      the {@code hazelcast} value, or null when not set
 * @param clusterEnvironment the {@code SLUICE_MEMBERS}, {@code SLUICE_HZ_PORT} and {@code SLUICE_HZ_HOST} overrides
 * @param clusterOptions the cluster provider's options ({@code timeout} from {@code cluster-timeout}, the rest from
 *                       {@code cluster-options}); empty when none
 * @param trace          the decision trace, from {@code trace-header} and {@code trace-secret}; off by default
 */
record FilterSettings(String config, String configSource, List<String> trustedProxies, String hazelcast,
        ClusterEnvironment clusterEnvironment, Map<String, String> clusterOptions, DecisionTrace trace) {

    static final String CONFIG = "config";
    static final String TRUSTED_PROXIES = "trusted-proxies";
    static final String HAZELCAST = "hazelcast";
    static final String CLUSTER_TIMEOUT = "cluster-timeout";
    static final String CLUSTER_OPTIONS = "cluster-options";
    static final String TRACE_HEADER = "trace-header";
    static final String TRACE_SECRET = "trace-secret";
    static final Set<String> INIT_PARAMS = Set.of(CONFIG, TRUSTED_PROXIES, HAZELCAST, CLUSTER_TIMEOUT,
            CLUSTER_OPTIONS, TRACE_HEADER, TRACE_SECRET);
    /** The provider option {@code cluster-timeout} sets. */
    static final String TIMEOUT_OPTION = "timeout";

    static final String ENV_CONFIG = "SLUICE_CONFIG";
    static final String ENV_TRUSTED_PROXIES = "SLUICE_TRUSTED_PROXIES";
    static final String ENV_HAZELCAST = "SLUICE_HAZELCAST";
    static final String ENV_CLUSTER_TIMEOUT = "SLUICE_CLUSTER_TIMEOUT";
    static final String ENV_CLUSTER_OPTIONS = "SLUICE_CLUSTER_OPTIONS";
    static final String ENV_TRACE_HEADER = "SLUICE_TRACE_HEADER";
    static final String ENV_TRACE_SECRET = "SLUICE_TRACE_SECRET";

    static final String DEFAULT_CONFIG = "/WEB-INF/sluice.yaml";

    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:.*");
    private static final Pattern OPTION_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9-]{0,63}");

    FilterSettings {
        trustedProxies = List.copyOf(trustedProxies);
        clusterOptions = Map.copyOf(clusterOptions);
    }

    /**
     * Reads and checks the settings.
     *
     * @param initParams the filter's init-params
     * @param env        environment lookup ({@code System::getenv} in production)
     * @throws IllegalArgumentException naming the init-param or variable, the bad value and what is allowed
     */
    static FilterSettings read(Map<String, String> initParams, Function<String, String> env) {
        Set<String> unknown = new TreeSet<>(initParams.keySet());
        unknown.removeAll(INIT_PARAMS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown init-param " + String.join(", ", unknown)
                    + "; allowed: " + String.join(", ", new TreeSet<>(INIT_PARAMS)));
        }
        Setting config = pick(initParams, CONFIG, env, ENV_CONFIG);
        String location = config == null ? DEFAULT_CONFIG : checkLocation(config, "a policy file");
        Setting proxies = pick(initParams, TRUSTED_PROXIES, env, ENV_TRUSTED_PROXIES);
        List<String> cidrs = proxies == null ? List.of() : checkProxies(proxies);
        Setting hazelcast = pick(initParams, HAZELCAST, env, ENV_HAZELCAST);
        String cluster = hazelcast == null ? null : checkHazelcast(hazelcast);
        ClusterEnvironment clusterEnvironment = ClusterEnvironment.read(env);
        Map<String, String> options = checkOptions(pick(initParams, CLUSTER_OPTIONS, env, ENV_CLUSTER_OPTIONS));
        Setting timeout = pick(initParams, CLUSTER_TIMEOUT, env, ENV_CLUSTER_TIMEOUT);
        if (timeout != null) {
            if (options.containsKey(TIMEOUT_OPTION)) {
                throw timeout.problem("sets the cluster time limit, which the cluster options set too; set it once");
            }
            try {
                Durations.parse(timeout.value());
            } catch (IllegalArgumentException bad) {
                throw timeout.problem(bad.getMessage());
            }
            options.put(TIMEOUT_OPTION, timeout.value());
        }
        return new FilterSettings(location, config == null ? "default" : config.origin(), cidrs, cluster,
                clusterEnvironment, options, trace(pick(initParams, TRACE_HEADER, env, ENV_TRACE_HEADER),
                        pick(initParams, TRACE_SECRET, env, ENV_TRACE_SECRET)));
    }

    private static DecisionTrace trace(Setting header, Setting secret) {
        try {
            DecisionTrace.of(header == null ? null : header.value(), null);
        } catch (IllegalArgumentException bad) {
            throw header.problem(bad.getMessage());
        }
        try {
            return DecisionTrace.of(header == null ? null : header.value(), secret == null ? null : secret.value());
        } catch (IllegalArgumentException bad) {
            // never quote the secret back
            throw new IllegalArgumentException(secret.origin() + ": the trace secret must be at least "
                    + DecisionTrace.MIN_SECRET_LENGTH + " characters");
        }
    }

    /** How to reach the cluster, from {@code hazelcast} and the {@code SLUICE_*} variables. */
    ClusterSettings clusterSettings() {
        String mode = "embedded";
        String file = null;
        if ("client".equals(hazelcast)) {
            mode = "client";
        } else if (hazelcast != null && !"embedded".equals(hazelcast)) {
            file = hazelcast;
        }
        return clusterEnvironment.applyTo(mode, file, List.of(), null, null, clusterOptions);
    }

    /** A value and where it came from. */
    record Setting(String value, String origin) {
        IllegalArgumentException problem(String message) {
            return new IllegalArgumentException(origin + ": " + FieldException.render(value) + " " + message);
        }
    }

    private static Setting pick(Map<String, String> initParams, String param, Function<String, String> env,
            String variable) {
        String fromEnv = env.apply(variable);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new Setting(fromEnv.strip(), "environment variable " + variable);
        }
        String value = initParams.get(param);
        if (value == null) {
            return null;
        }
        Setting setting = new Setting(value.strip(), "init-param " + param);
        if (setting.value().isEmpty()) {
            throw setting.problem("is empty; remove the init-param or give it a value");
        }
        return setting;
    }

    private static String checkLocation(Setting setting, String what) {
        String value = setting.value();
        if (value.startsWith("classpath:")) {
            if (value.length() == "classpath:".length()) {
                throw setting.problem("names no resource after classpath:");
            }
            return value;
        }
        boolean windowsDrive = value.length() > 2 && value.charAt(1) == ':' && Character.isLetter(value.charAt(0));
        if (SCHEME.matcher(value).matches() && !windowsDrive) {
            throw setting.problem("is not a supported location of " + what
                    + "; use /WEB-INF/..., classpath:... or a file path");
        }
        return value;
    }

    private static List<String> checkProxies(Setting setting) {
        List<String> cidrs = new ArrayList<>();
        for (String entry : setting.value().split("[,\\s]+")) {
            if (entry.isEmpty()) {
                continue;
            }
            try {
                Cidr.parse(entry);
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException(setting.origin() + ": " + bad.getMessage(), bad);
            }
            cidrs.add(entry);
        }
        return cidrs;
    }

    private static String checkHazelcast(Setting setting) {
        String value = setting.value();
        if (value.equals("embedded") || value.equals("client")) {
            return value;
        }
        String lower = value.toLowerCase(Locale.ROOT);
        if (!(lower.endsWith(".yaml") || lower.endsWith(".yml") || lower.endsWith(".xml"))) {
            throw setting.problem("must be embedded, client, or a Hazelcast configuration file (classpath:... or a "
                    + "path, ending in .yaml, .yml or .xml)");
        }
        return checkLocation(setting, "a Hazelcast configuration");
    }

    /** {@code name=value,...}: names unique and made of letters, digits and dashes; values not empty. */
    private static Map<String, String> checkOptions(Setting setting) {
        Map<String, String> options = new java.util.LinkedHashMap<>();
        if (setting == null) {
            return options;
        }
        for (String pair : setting.value().split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair.strip() : pair.substring(0, equals).strip();
            String value = equals < 0 ? "" : pair.substring(equals + 1).strip();
            if (!OPTION_NAME.matcher(name).matches() || value.isEmpty()) {
                throw setting.problem("must be name=value pairs separated by commas (e.g. timeout=100ms,"
                        + "breaker-open=10s); " + FieldException.render(pair.strip()) + " is not");
            }
            if (options.put(name, value) != null) {
                throw setting.problem("sets option " + name + " twice");
            }
        }
        return options;
    }
}
