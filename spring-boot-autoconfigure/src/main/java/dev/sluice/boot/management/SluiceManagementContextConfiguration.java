package dev.sluice.boot.management;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.filter.reactive.ServerWebExchangeContextFilter;

/**
 * In the context that serves Actuator (the application's, or the child context of {@code management.server.port}):
 * on reactive servers, the filter that lets {@link SluiceReactiveEndpoint} read the {@code Authorization} header.
 */
@ManagementContextConfiguration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(name = "org.springframework.web.filter.reactive.ServerWebExchangeContextFilter")
@ConditionalOnBooleanProperty(name = "sluice.management.enabled", matchIfMissing = true)
public class SluiceManagementContextConfiguration {
    @Bean
    @ConditionalOnMissingBean
    ServerWebExchangeContextFilter sluiceExchangeContextFilter() {
        return new ServerWebExchangeContextFilter();
    }
}
