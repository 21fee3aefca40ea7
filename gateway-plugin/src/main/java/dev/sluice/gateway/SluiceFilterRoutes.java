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
 * The {@code Sluice} filters of the routes in the gateway's properties
 * ({@code spring.cloud.gateway.server.webflux.routes} and {@code default-filters}), read at start-up so that a bad
 * definition fails the application's start rather than a later route refresh.
 */
final class SluiceFilterRoutes implements RoutePolicySource {
    static final String FILTER_NAME = "Sluice";

    private final GatewayProperties gateway;

    SluiceFilterRoutes(GatewayProperties gateway) {
        this.gateway = gateway;
    }

    @Override
    public StartupRoutes startupRoutes() {
        List<Policy> policies = new ArrayList<>();
        Map<String, String> shared = new LinkedHashMap<>();
        List<ConfigException.Problem> problems = new ArrayList<>();
        for (RouteDefinition route : gateway.getRoutes()) {
            for (FilterDefinition filter : filtersOf(gateway, route)) {
                if (!FILTER_NAME.equals(filter.getName())) {
                    continue;
                }
                String source = SluiceGatewayFilterFactory.source(route.getId());
                try {
                    RoutePolicyArgs.read(route.getId(), filter.getArgs(), source,
                            SluiceGatewayFilterFactory.ROUTE_POLICY_PREFIX).addTo(policies, shared, source);
                } catch (ConfigException invalid) {
                    problems.addAll(invalid.problems());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new StartupRoutes(policies, shared);
    }

    /** A route's filters as the gateway applies them: the default filters, then the route's own. */
    static List<FilterDefinition> filtersOf(GatewayProperties gateway, RouteDefinition route) {
        List<FilterDefinition> filters = new ArrayList<>(gateway.getDefaultFilters());
        filters.addAll(route.getFilters());
        return filters;
    }
}
