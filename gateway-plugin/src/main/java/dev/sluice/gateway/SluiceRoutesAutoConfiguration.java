package dev.sluice.gateway;

import dev.sluice.boot.RoutePolicySource;
import dev.sluice.boot.SluiceAutoConfiguration;
import dev.sluice.core.Sluice;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The gateway's side of the engine (which {@link SluiceAutoConfiguration} builds): which policies belong to routes.
 * Registers the start-up routes' policies, in a user's own engine too. Ordered before the gateway's own
 * auto-configuration, as {@link SluiceRateLimiterAutoConfiguration} is.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class,
        beforeName = "org.springframework.cloud.gateway.config.GatewayAutoConfiguration")
@ConditionalOnClass(Sluice.class)
@ConditionalOnBooleanProperty(name = "sluice.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SluiceGatewayProperties.class)
public class SluiceRoutesAutoConfiguration {

    @Bean
    @ConditionalOnBean(Sluice.class)
    @ConditionalOnMissingBean
    RouteBindings sluiceRouteBindings(Sluice sluice, ObjectProvider<RoutePolicySource> routes) {
        return new RouteBindings(sluice, SluiceAutoConfiguration.EngineConfiguration.startupRoutes(routes));
    }
}
