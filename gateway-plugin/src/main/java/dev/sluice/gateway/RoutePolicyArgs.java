package dev.sluice.gateway;

import dev.sluice.boot.PolicyTrees;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.Policy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a route asks for: a shared policy by name ({@code policy: NAME}) or an inline definition, which becomes the
 * route's own policy named {@code <prefix><route id>} ({@code route-api} for the {@code Sluice} filter of route
 * {@code api}), so two routes never share a bucket unless they name the same shared policy.
 *
 * @param shared the named policy, or null
 * @param inline the route's own policy, or null
 */
record RoutePolicyArgs(String shared, Policy inline) {
    static final String POLICY = "policy";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern SHORTCUT_KEY = Pattern.compile("_genkey_0");

    /**
     * Adds what these args bind at start-up: the inline policy to {@code policies}, or the shared policy's name to
     * {@code shared} with {@code source}, unless an earlier source named it.
     */
    void addTo(List<Policy> policies, Map<String, String> shared, String source) {
        if (inline != null) {
            policies.add(inline);
        } else {
            shared.putIfAbsent(this.shared, source);
        }
    }

    /** The name of the policy requests of this route are decided under. */
    String policyName() {
        return shared != null ? shared : inline.name();
    }

    /**
     * @param args    the bound args (nested or flattened keys; the shortcut key {@code _genkey_0} counts as
     *                {@code policy})
     * @param source  names the route and filter in messages
     * @throws ConfigException naming the source and the field
     */
    static RoutePolicyArgs read(String routeId, Map<String, ?> args, String source, String prefix) {
        Map<String, Object> definition = new LinkedHashMap<>();
        args.forEach((key, value) -> definition.put(SHORTCUT_KEY.matcher(key).matches() ? POLICY : key, value));
        if (definition.containsKey(POLICY)) {
            Object name = definition.remove(POLICY);
            if (!definition.isEmpty()) {
                throw problem(source, POLICY, "names a shared policy and cannot be combined with an inline "
                        + "definition (found " + new TreeSet<>(definition.keySet()) + "); give one or the other");
            }
            if (!(name instanceof CharSequence text) || !NAME.matcher(text).matches()) {
                throw problem(source, POLICY, "must name a policy (1 to 64 letters, digits, '.', '_' or '-'), got "
                        + (name instanceof CharSequence ? "\"" + name + "\"" : String.valueOf(name)));
            }
            return new RoutePolicyArgs(name.toString(), null);
        }
        if (definition.isEmpty()) {
            throw problem(source, "", "needs either policy: NAME (a policy of sluice.policies or sluice.config) or an "
                    + "inline definition (rate, quota, concurrency, queue, key, ...)");
        }
        if (routeId == null || routeId.isBlank()) {
            throw problem(source, "", "an inline policy needs its route's id (route definitions set it; in the Java "
                    + "DSL call setRouteId on the filter's config)");
        }
        String name = prefix + routeId;
        if (!NAME.matcher(name).matches()) {
            throw problem(source, "", "the route id cannot name a policy: '" + name + "' must be 1 to 64 letters, "
                    + "digits, '.', '_' or '-'; give the route a shorter id or name a shared policy with policy: NAME");
        }
        return new RoutePolicyArgs(null, PolicyTrees.parse(definition, source, name));
    }

    private static ConfigException problem(String source, String field, String message) {
        return new ConfigException(new ConfigException.Problem(source, 0, 0, field, message));
    }
}
