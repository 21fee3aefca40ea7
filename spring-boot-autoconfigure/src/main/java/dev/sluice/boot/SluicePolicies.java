package dev.sluice.boot;

import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicyParser;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Scope;
import dev.sluice.core.key.Cidr;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.ResolvableType;

/**
 * The policies Sluice starts with: the global set ({@code sluice.config} or {@code sluice.policies}) followed by the
 * policies of routes known at start-up. Built once, at start-up; immutable.
 */
public final class SluicePolicies {
    private final PolicySet global;
    private final List<Policy> routes;
    private final String source;

    private SluicePolicies(PolicySet global, List<Policy> routes, String source) {
        this.global = global;
        this.routes = List.copyOf(routes);
        this.source = source;
    }

    /**
     * Reads and checks every definition; all problems are reported together.
     *
     * @param definitions {@code sluice.policies} as written (see {@link #definitions}), not as typed properties
     *
     * @throws ConfigException naming the property or file, the field and what is allowed
     */
    public static SluicePolicies read(SluiceProperties properties, List<Map<String, Object>> definitions,
            StartupRoutes routes, ClassLoader loader) {
        List<Policy> routePolicies = routes.policies();
        PolicySet global;
        String source;
        String location = properties.getConfig();
        if (location != null && !location.isBlank()) {
            if (!definitions.isEmpty()) {
                throw new ConfigException(new ConfigException.Problem("application properties", 0, 0,
                        "sluice.policies", "cannot be combined with sluice.config (" + location + "): define the "
                                + "global policies in one place"));
            }
            global = new PolicyParser().load(location.strip(), loader);
            source = location.strip();
        } else {
            global = new PolicySet(bind(definitions), List.of());
            source = "sluice.policies";
        }
        Set<String> proxies = new LinkedHashSet<>(global.trustedProxies());
        proxies.addAll(proxies(properties.getTrustedProxies()));
        global = new PolicySet(global.policies(), List.copyOf(proxies));
        Map<String, Policy> byName = new LinkedHashMap<>();
        global.policies().forEach(policy -> byName.put(policy.name(), policy));
        List<ConfigException.Problem> clashes = new ArrayList<>();
        for (Policy route : routePolicies) {
            if (byName.putIfAbsent(route.name(), route) != null) {
                clashes.add(new ConfigException.Problem(source, 0, 0, "name", "'" + route.name()
                        + "' is taken by a route's own policy (inline Sluice filter or sluice.rate-limiter.routes); "
                        + "rename the global policy"));
            }
        }
        List<String> known = global.policies().stream().map(Policy::name).toList();
        for (Map.Entry<String, String> named : routes.shared().entrySet()) {
            if (!byName.containsKey(named.getKey())) {
                clashes.add(new ConfigException.Problem(named.getValue(), 0, 0, "policy",
                        "must name a policy of " + source + ", got \"" + named.getKey() + "\"; known: " + known));
            }
        }
        if (!clashes.isEmpty()) {
            throw new ConfigException(clashes);
        }
        return new SluicePolicies(global, routePolicies, source);
    }

    /**
     * {@code sluice.policies} as written, each entry a tree of maps, lists and strings, so that the policy parser sees
     * every field, unknown ones included (the typed {@link PolicyProperties} serve IDEs and documentation).
     */
    public static List<Map<String, Object>> definitions(org.springframework.core.env.Environment environment) {
        ResolvableType entry = ResolvableType.forClassWithGenerics(Map.class, String.class, Object.class);
        Bindable<List<Map<String, Object>>> list = Bindable.of(ResolvableType.forClassWithGenerics(List.class, entry));
        return Binder.get(environment).bind("sluice.policies", list).orElse(List.of());
    }

    private static List<Policy> bind(List<Map<String, Object>> definitions) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        List<Policy> policies = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < definitions.size(); i++) {
            String source = "sluice.policies[" + i + "]";
            try {
                Policy policy = PolicyTrees.parse(definitions.get(i), source, null);
                if (!names.add(policy.name())) {
                    problems.add(new ConfigException.Problem(source, 0, 0, "name",
                            "must be unique; an earlier policy has it, got \"" + policy.name() + "\""));
                }
                policies.add(policy);
            } catch (ConfigException invalid) {
                problems.addAll(invalid.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return policies;
    }

    private static List<String> proxies(List<String> values) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            try {
                Cidr.parse(values.get(i));
            } catch (IllegalArgumentException bad) {
                problems.add(new ConfigException.Problem("application properties", 0, 0,
                        "sluice.trusted-proxies[" + i + "]", bad.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return values;
    }

    /** The global policies (and trusted proxies), in order. */
    public PolicySet global() {
        return global;
    }

    /** The policies of routes known at start-up. */
    public List<Policy> routes() {
        return routes;
    }

    /** Every start-up policy: the global ones, then the routes'. */
    public PolicySet all() {
        List<Policy> all = new ArrayList<>(global.policies());
        all.addAll(routes);
        return new PolicySet(all, global.trustedProxies());
    }

    /** Names the global definitions in messages: the file location or {@code sluice.policies}. */
    public String source() {
        return source;
    }

    /** The first policy with {@code scope: cluster}, or null. */
    Policy firstClusterScoped() {
        for (Policy policy : all().policies()) {
            if (policy.scope() == Scope.CLUSTER) {
                return policy;
            }
        }
        return null;
    }
}
