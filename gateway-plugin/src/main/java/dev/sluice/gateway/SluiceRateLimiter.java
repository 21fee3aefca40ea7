package dev.sluice.gateway;

import dev.sluice.core.Admission;
import dev.sluice.core.PendingAdmission;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.VersionedPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A {@link RateLimiter} for Spring Cloud Gateway's built-in {@code RequestRateLimiter} filter, backed by Sluice
 * policies: {@code rate-limiter: "#{@sluiceRateLimiter}"}. The filter's {@code key-resolver} gives the key; the
 * policy per route id comes from {@code sluice.rate-limiter.routes.<route id>} (an inline definition, named
 * {@code rate-limiter-<route id>}, or {@code policy: NAME}) or else {@code sluice.rate-limiter.default-policy}.
 *
 * <p>The {@code RateLimiter} contract has no way to learn when a response completes, so only rates and quotas fit:
 * concurrency limits, {@code key}, {@code match} and header-based costs are refused at start-up (use the
 * {@code Sluice} filter for them). A queue works: a request waits, without a thread, until its token is due. A
 * denied request gets the {@code RequestRateLimiter}'s status (429 by default) and no body; allowed and denied
 * answers carry the policy's rate-limit headers (and {@code Retry-After} when denied).
 */
public class SluiceRateLimiter implements RateLimiter<SluiceRateLimiter.Config> {
    /** The prefix of a route's own policy name. */
    public static final String ROUTE_POLICY_PREFIX = "rate-limiter-";
    private static final Logger LOG = LoggerFactory.getLogger(SluiceRateLimiter.class);

    private final Sluice sluice;
    private final Map<String, Config> routes = new ConcurrentHashMap<>();
    private final String defaultPolicy;
    private final RouteBindings bindings;
    private volatile Map<String, Policy> live;
    private final AutoCloseable subscription;

    /**
     * @param routePolicies route id → policy name, bound and live
     * @param defaultPolicy for other routes, or null
     */
    SluiceRateLimiter(Sluice sluice, RouteBindings bindings, Map<String, String> routePolicies,
            String defaultPolicy) {
        this.sluice = sluice;
        this.bindings = bindings;
        this.defaultPolicy = defaultPolicy;
        routePolicies.forEach((route, policy) -> routes.put(route, new Config().setPolicy(policy)));
        this.live = index(sluice.policies());
        this.subscription = sluice.policyStore().subscribe(policies -> live = index(policies));
    }

    private static Map<String, Policy> index(List<VersionedPolicy> policies) {
        Map<String, Policy> byName = new LinkedHashMap<>();
        policies.forEach(policy -> byName.put(policy.name(), policy.policy()));
        return byName;
    }

    /**
     * Decides on one request of {@code routeId} with key {@code id}. Never blocks; a queued request's Mono completes
     * when its token is due, and cancelling it leaves the queue.
     */
    @Override
    public Mono<Response> isAllowed(String routeId, String id) {
        String name = policyFor(routeId);
        if (name == null) {
            return Mono.error(new IllegalStateException("No Sluice rate-limiter policy for route '" + routeId
                    + "': add sluice.rate-limiter.routes." + routeId + " or sluice.rate-limiter.default-policy"));
        }
        Policy policy = live.get(name);
        if (policy == null) {
            bindings.missing(name, "route '" + routeId + "' (sluiceRateLimiter)");
            return Mono.just(new Response(true, Map.of()));
        }
        CompletableFuture<Admission> decision = sluice.acquireIfLive(name, id, policy.cost().fixed()).orElse(null);
        if (decision == null) {
            bindings.missing(name, "route '" + routeId + "' (sluiceRateLimiter)");
            return Mono.just(new Response(true, Map.of()));
        }
        Mono<Admission> admission = Mono.fromFuture(decision, true);
        if (!decision.isDone()) {
            admission = admission.publishOn(Schedulers.parallel());
        }
        return admission.map(decided -> {
            // Nothing is held past the decision: this contract cannot say when the response completes.
            decided.release();
            return new Response(decided.admitted(), Admission.Header.joined(decided.headers()));
        }).doFinally(signal -> PendingAdmission.settle(decision));
    }

    private String policyFor(String routeId) {
        Config config = routes.get(routeId);
        return config != null ? config.getPolicy() : defaultPolicy;
    }

    /** Route id → the policy it uses (routes with their own entry; others use the default policy). */
    @Override
    public Map<String, Config> getConfig() {
        return routes;
    }

    @Override
    public Class<Config> getConfigClass() {
        return Config.class;
    }

    @Override
    public Config newConfig() {
        return new Config();
    }

    /** Stops following policy changes. */
    void close() {
        try {
            subscription.close();
        } catch (Exception failure) {
            LOG.debug("Could not unsubscribe from the policy store: {}", failure.toString());
        }
    }

    /** Which policy a route uses. */
    public static class Config {
        private String policy;

        public String getPolicy() {
            return policy;
        }

        public Config setPolicy(String policy) {
            this.policy = policy;
            return this;
        }

        @Override
        public String toString() {
            return "SluiceRateLimiter.Config[policy=" + policy + "]";
        }
    }
}
