package dev.sluice.boot;

/**
 * What routes known when the application starts ask for (inline {@code Sluice} filters of the gateway's route
 * properties, {@code sluice.rate-limiter.routes}). Their own policies seed the engine together with the global set,
 * so that they are checked at start-up and live before the first request; the shared policies they name must exist.
 */
@FunctionalInterface
public interface RoutePolicySource {
    /**
     * @throws dev.sluice.core.config.ConfigException naming the route and the field of a bad definition
     */
    StartupRoutes startupRoutes();
}
