package dev.sluice.gateway;

import dev.sluice.boot.RoutePolicySource;
import dev.sluice.boot.StartupRoutes;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.Policy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.route.RouteDefinition;

/**
 * Reads {@code sluice.rate-limiter.*} at start-up: each route's policy (inline, named
 * {@code rate-limiter-<route id>}, or {@code policy: NAME}) and the default policy; checks that what the
 * {@code RateLimiter} contract cannot serve is absent; and checks that every route of the gateway's properties whose
 * {@code RequestRateLimiter} uses {@code #{@sluiceRateLimiter}} has a policy.
 */
final class RateLimiterRoutes implements RoutePolicySource {
    static final String BEAN_REFERENCE = "#{@sluiceRateLimiter}";
    private static final List<String> NOT_HERE = List.of("key", "match", "concurrency");

    private final SluiceGatewayProperties.RateLimiter settings;
    private final GatewayProperties gateway;

    /** @param gateway the gateway's route properties, or null */
    RateLimiterRoutes(SluiceGatewayProperties.RateLimiter settings, GatewayProperties gateway) {
        this.settings = settings;
        this.gateway = gateway;
    }

    static String source(String routeId) {
        return "sluice.rate-limiter.routes." + routeId;
    }

    /** Route id → what it asks for; all problems reported together. */
    Map<String, RoutePolicyArgs> routes() {
        Map<String, RoutePolicyArgs> routes = new LinkedHashMap<>();
        List<ConfigException.Problem> problems = new ArrayList<>();
        settings.getRoutes().forEach((route, definition) -> {
            String source = source(route);
            try {
                for (String field : NOT_HERE) {
                    if (definition.containsKey(field)) {
                        throw new ConfigException(new ConfigException.Problem(source, 0, 0, field,
                                unsupported(field)));
                    }
                }
                RoutePolicyArgs args = RoutePolicyArgs.read(route, definition, source,
                        SluiceRateLimiter.ROUTE_POLICY_PREFIX);
                if (args.inline() != null) {
                    check(args.inline(), source);
                }
                routes.put(route, args);
            } catch (ConfigException invalid) {
                problems.addAll(invalid.problems());
            }
        });
        if (gateway != null && settings.getDefaultPolicy() == null) {
            for (RouteDefinition route : gateway.getRoutes()) {
                for (FilterDefinition filter : SluiceFilterRoutes.filtersOf(gateway, route)) {
                    if (usesThis(filter) && !routes.containsKey(route.getId())) {
                        problems.add(new ConfigException.Problem("route '" + route.getId() + "', filter "
                                + "RequestRateLimiter", 0, 0, "rate-limiter", "is " + BEAN_REFERENCE + ", but "
                                + source(route.getId()) + " is not set and there is no "
                                + "sluice.rate-limiter.default-policy"));
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return routes;
    }

    private static boolean usesThis(FilterDefinition filter) {
        if (!"RequestRateLimiter".equals(filter.getName())) {
            return false;
        }
        String limiter = filter.getArgs().get("rate-limiter");
        if (limiter == null) {
            limiter = filter.getArgs().get("rateLimiter");
        }
        return limiter != null && limiter.replace(" ", "").equals(BEAN_REFERENCE);
    }

    private static String unsupported(String field) {
        return switch (field) {
            case "key" -> "is not used here: the RequestRateLimiter's key-resolver gives the key; remove it";
            case "match" -> "is not used here: the RequestRateLimiter applies to its whole route; remove it";
            default -> "cannot be served by RequestRateLimiter, which cannot release permits when a response "
                    + "completes; use the Sluice filter for concurrency limits";
        };
    }

    /**
     * Checks that a policy fits the {@code RateLimiter} contract.
     *
     * @throws ConfigException naming the field
     */
    static void check(Policy policy, String source) {
        if (policy.concurrency() != null) {
            throw new ConfigException(new ConfigException.Problem(source, 0, 0, "concurrency",
                    unsupported("concurrency")));
        }
        if (policy.cost().header() != null) {
            throw new ConfigException(new ConfigException.Problem(source, 0, 0, "cost.header", "is not available "
                    + "to RequestRateLimiter, which does not see the request; give cost as an integer"));
        }
    }

    @Override
    public StartupRoutes startupRoutes() {
        List<Policy> policies = new ArrayList<>();
        Map<String, String> shared = new LinkedHashMap<>();
        routes().forEach((route, args) -> args.addTo(policies, shared, source(route)));
        if (settings.getDefaultPolicy() != null) {
            shared.putIfAbsent(settings.getDefaultPolicy(), "sluice.rate-limiter.default-policy");
        }
        return new StartupRoutes(policies, shared);
    }
}
