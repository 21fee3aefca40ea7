package dev.sluice.gateway;

import dev.sluice.core.Sluice;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.context.annotation.Bean;

/**
 * The gateway filters: the {@code Sluice} route filter factory, the global filter (on unless
 * {@code sluice.global-filter.enabled=false}; it applies the policies no route binds, and does nothing when there
 * are none at start-up unless {@code sluice.global-filter.enabled=true}), and the start-up reading of the route
 * properties' {@code Sluice} filters.
 */
@AutoConfiguration(after = SluiceRoutesAutoConfiguration.class,
        afterName = "org.springframework.cloud.gateway.config.GatewayAutoConfiguration")
@ConditionalOnClass({Sluice.class, GatewayFilterFactory.class, GatewayProperties.class})
@ConditionalOnBooleanProperty(name = "sluice.enabled", matchIfMissing = true)
public class SluiceGatewayAutoConfiguration {

    @Bean
    @ConditionalOnBean(GatewayProperties.class)
    SluiceFilterRoutes sluiceGatewayRoutePolicies(GatewayProperties gateway) {
        return new SluiceFilterRoutes(gateway);
    }

    @Bean
    @ConditionalOnBean(Sluice.class)
    @ConditionalOnMissingBean
    SluiceGatewayFilterFactory sluiceGatewayFilterFactory(Sluice sluice, RouteBindings bindings) {
        return new SluiceGatewayFilterFactory(sluice, bindings);
    }

    @Bean
    @ConditionalOnBean(Sluice.class)
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "sluice.global-filter.enabled", matchIfMissing = true)
    SluiceGlobalFilter sluiceGlobalFilter(Sluice sluice, RouteBindings bindings, SluiceGatewayProperties properties) {
        return new SluiceGlobalFilter(sluice, bindings, properties.getGlobalFilter().getOrder(),
                properties.getGlobalFilter().getEnabled());
    }
}
