package dev.sluice.gateway;

import dev.sluice.boot.StartupRoutes;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.VersionConflictException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which policies belong to routes, and their registration in the engine.
 *
 * <p>A policy is <em>route-bound</em> when a route's {@code Sluice} filter or the {@code sluiceRateLimiter} defines
 * it inline or names it. Route-bound policies apply only on the routes that bind them; the global filter applies
 * every other live policy.
 *
 * <p>An inline policy is written to the policy store when its route is built and the engine does not have it yet.
 * When the engine has it, the live definition stays (a change made through the management API survives a route
 * refresh) unless the route's configured definition itself changed since it was last registered. Thread-safe.
 * Registering writes to the policy store on the calling thread; in a cluster that waits for the cluster, so routes
 * added at run time should be built off the event loop (routes from properties are registered at start-up).
 */
public final class RouteBindings {
    private static final Logger LOG = LoggerFactory.getLogger(RouteBindings.class);

    private final Sluice sluice;
    private final Set<String> bound = ConcurrentHashMap.newKeySet();
    private final Map<String, Policy> configured = new ConcurrentHashMap<>();
    private final Set<String> warnedMissing = ConcurrentHashMap.newKeySet();

    /**
     * @param startup what routes known at start-up bind: registered now (a no-op for policies the engine was seeded
     *                with)
     * @throws ConfigException when a named policy is not live, or an inline one cannot be served
     */
    RouteBindings(Sluice sluice, StartupRoutes startup) {
        this.sluice = sluice;
        for (Policy policy : startup.policies()) {
            bind(new RoutePolicyArgs(null, policy), "start-up route policy '" + policy.name() + "'");
        }
        startup.shared().forEach((name, source) -> bind(new RoutePolicyArgs(name, null), source));
    }

    /** Whether {@code policy} belongs to some route (the global filter then leaves it alone). */
    public boolean isBound(String policy) {
        return bound.contains(policy);
    }

    /**
     * Binds a route to what its args ask for and makes sure the engine has it.
     *
     * @return the policy name to decide the route's requests under
     * @throws ConfigException when a named policy is not live, or an inline one cannot be served
     */
    String bind(RoutePolicyArgs args, String source) {
        if (args.shared() != null) {
            if (!sluice.hasPolicy(args.shared())) {
                throw new ConfigException(new ConfigException.Problem(source, 0, 0, RoutePolicyArgs.POLICY,
                        "must name a live policy (from sluice.policies, sluice.config or the management API), got \""
                                + args.shared() + "\"; known: " + sluice.policies().stream()
                                        .map(p -> p.name()).toList()));
            }
            bound.add(args.shared());
            return args.shared();
        }
        Policy policy = args.inline();
        sluice.check(policy, source);
        bound.add(policy.name());
        Policy previous = configured.put(policy.name(), policy);
        boolean changed = previous != null && !previous.equals(policy);
        if (!sluice.hasPolicy(policy.name()) || changed) {
            try {
                sluice.policyStore().put(policy, changed ? null : 0L);
                LOG.info("Sluice registered {}'s policy '{}'", source, policy.name());
            } catch (VersionConflictException exists) {
                LOG.debug("Policy '{}' was created meanwhile; keeping the live definition", policy.name());
            }
        }
        return policy.name();
    }

    /** Logs once per policy that a bound policy is gone (deleted through the management API). */
    void missing(String policy, String route) {
        if (warnedMissing.add(policy)) {
            LOG.warn("Policy '{}' of {} is not live (deleted through the management API?); the route's requests "
                    + "pass without it until the policy is created again", policy, route);
        }
    }
}
