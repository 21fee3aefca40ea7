package dev.sluice.gateway;

import dev.sluice.core.Sluice;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Applies the global policies to every routed request: every live policy that is not bound to a route (see
 * {@link RouteBindings}), in order, with the same refusals, headers and queues as the route filter. Runs at
 * {@code sluice.global-filter.order} (default 0: before the route filters). Thread-safe.
 */
public class SluiceGlobalFilter implements GlobalFilter, Ordered {
    private final Sluice sluice;
    private final RouteBindings bindings;
    private final int order;
    private final boolean active;

    /**
     * @param enabled true or false as configured; null means active when some live policy is not bound to a route
     *                now (at start-up)
     */
    public SluiceGlobalFilter(Sluice sluice, RouteBindings bindings, int order, Boolean enabled) {
        this.sluice = sluice;
        this.bindings = bindings;
        this.order = order;
        this.active = enabled != null ? enabled
                : sluice.policies().stream().anyMatch(policy -> !bindings.isBound(policy.name()));
    }

    /** Whether it applies policies; an inactive global filter passes every request on untouched. */
    public boolean isActive() {
        return active;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!active) {
            return chain.filter(exchange);
        }
        return ExchangeAdmission.filter(exchange, chain, view -> sluice.admit(view, name -> !bindings.isBound(name)));
    }

    @Override
    public int getOrder() {
        return order;
    }
}
