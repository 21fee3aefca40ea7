package dev.sluice.gateway;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.Policy;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import org.springframework.context.annotation.Bean;

/**
 * The {@code sluiceRateLimiter} bean for the built-in {@code RequestRateLimiter} filter. Ordered before the
 * gateway's own auto-configuration, which registers {@code RequestRateLimiter} only when a {@link RateLimiter} bean
 * exists. Beside another {@link RateLimiter} bean it is not the default limiter (routes name it). Off with
 * {@code sluice.rate-limiter.enabled=false}.
 */
@AutoConfiguration(after = SluiceRoutesAutoConfiguration.class,
        beforeName = "org.springframework.cloud.gateway.config.GatewayAutoConfiguration")
@ConditionalOnClass({Sluice.class, RateLimiter.class})
@ConditionalOnBooleanProperty(name = "sluice.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "sluice.rate-limiter.enabled", matchIfMissing = true)
public class SluiceRateLimiterAutoConfiguration {

    /** Another RateLimiter bean stays the gateway's default; see {@link RateLimiterCandidates}. */
    @Bean
    static RateLimiterCandidates sluiceRateLimiterCandidates() {
        return new RateLimiterCandidates();
    }

    @Bean
    RateLimiterRoutes sluiceRateLimiterRoutePolicies(SluiceGatewayProperties properties,
            ObjectProvider<GatewayProperties> gateway) {
        return new RateLimiterRoutes(properties.getRateLimiter(), gateway.getIfAvailable());
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnBean(Sluice.class)
    @ConditionalOnMissingBean(name = "sluiceRateLimiter")
    SluiceRateLimiter sluiceRateLimiter(Sluice sluice, RouteBindings bindings, RateLimiterRoutes routes,
            SluiceGatewayProperties properties) {
        Map<String, String> byRoute = new LinkedHashMap<>();
        routes.routes().forEach((route, args) -> {
            String source = RateLimiterRoutes.source(route);
            byRoute.put(route, bindings.bind(args, source));
            checkShared(sluice, args.policyName(), source);
        });
        String fallback = properties.getRateLimiter().getDefaultPolicy();
        if (fallback != null) {
            bindings.bind(new RoutePolicyArgs(fallback, null), "sluice.rate-limiter.default-policy");
            checkShared(sluice, fallback, "sluice.rate-limiter.default-policy");
        }
        return new SluiceRateLimiter(sluice, bindings, byRoute, fallback);
    }

    private static void checkShared(Sluice sluice, String name, String source) {
        for (var live : sluice.policies()) {
            if (live.name().equals(name)) {
                Policy policy = live.policy();
                try {
                    RateLimiterRoutes.check(policy, source);
                } catch (ConfigException unfit) {
                    throw new ConfigException(new ConfigException.Problem(source, 0, 0, "policy", "names '" + name
                            + "', which " + unfit.problems().get(0).field() + " makes unfit: "
                            + unfit.problems().get(0).message()));
                }
            }
        }
    }
}
