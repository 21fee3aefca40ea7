package dev.sluice.gateway;

import dev.sluice.core.Admission;
import dev.sluice.core.RequestView;
import dev.sluice.core.Sluice;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.cloud.gateway.support.GatewayToStringStyler;
import org.springframework.cloud.gateway.support.HasRouteId;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The {@code Sluice} route filter: decides each request of its route under one policy, either a shared one named
 * with {@code policy: NAME} (shortcut {@code Sluice=NAME}) or the route's own, defined inline with the fields of a
 * policy file ({@code key}, {@code rate}, {@code quota}, {@code concurrency}, {@code queue}, {@code cost},
 * {@code scope}, {@code missing-key}, {@code reject}, {@code headers}, {@code mode}, {@code on-backend-failure},
 * {@code match}):
 * <pre>{@code
 * filters:
 *   - name: Sluice
 *     args: { key: "header:X-Api-Key", rate: { limit: 100, period: 1s }, queue: { depth: 50, max-wait: 2s } }
 * }</pre>
 * An inline policy is named {@code route-<route id>} (in headers, problem bodies, metrics and the management API)
 * and belongs to its route alone. Refused requests are answered with the policy's status, headers and problem body
 * without reaching the backend; admitted ones carry the rate-limit headers; queued ones wait without a thread.
 * Definitions are validated by the core parser; for routes of the gateway's properties, at start-up.
 */
public class SluiceGatewayFilterFactory extends AbstractGatewayFilterFactory<SluiceGatewayFilterFactory.Config> {
    /** The prefix of a route's inline policy name. */
    public static final String ROUTE_POLICY_PREFIX = "route-";

    private final Sluice sluice;
    private final RouteBindings bindings;

    public SluiceGatewayFilterFactory(Sluice sluice, RouteBindings bindings) {
        super(Config.class);
        this.sluice = sluice;
        this.bindings = bindings;
    }

    @Override
    public List<String> shortcutFieldOrder() {
        return List.of(RoutePolicyArgs.POLICY);
    }

    /**
     * @throws dev.sluice.core.config.ConfigException naming the route and the field when the args are invalid
     */
    @Override
    public GatewayFilter apply(Config config) {
        String route = config.getRouteId();
        String source = source(route);
        RoutePolicyArgs args = RoutePolicyArgs.read(route, config, source, ROUTE_POLICY_PREFIX);
        return new RouteFilter(bindings.bind(args, source), route);
    }

    static String source(String routeId) {
        return "route '" + routeId + "', filter Sluice";
    }

    /**
     * The filter's args, as bound from the route definition: {@code policy}, or the fields of an inline policy
     * (nested maps, or flattened keys such as {@code rate.limit}).
     */
    public static class Config extends LinkedHashMap<String, Object> implements HasRouteId {
        private static final long serialVersionUID = 1L;
        private String routeId;

        @Override
        public void setRouteId(String routeId) {
            this.routeId = routeId;
        }

        @Override
        public String getRouteId() {
            return routeId;
        }
    }

    /** Decides a route's requests under its policy. Thread-safe. */
    final class RouteFilter implements GatewayFilter {
        private final String policy;
        private final String route;

        RouteFilter(String policy, String route) {
            this.policy = policy;
            this.route = route;
        }

        @Override
        public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
            return ExchangeAdmission.filter(exchange, chain, this::decide);
        }

        private CompletableFuture<Admission> decide(RequestView view) {
            CompletableFuture<Admission> decision = sluice.admitIfLive(view, policy).orElse(null);
            if (decision == null) {
                bindings.missing(policy, "route '" + route + "'");
            }
            return decision;
        }

        String policy() {
            return policy;
        }

        @Override
        public String toString() {
            return GatewayToStringStyler.filterToStringCreator(SluiceGatewayFilterFactory.this)
                    .append("policy", policy).toString();
        }
    }
}
