package dev.sluice.boot.management;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Actuator endpoint {@code sluice}, servlet or reactive. It follows Actuator's rules: it exists only where exposed
 * ({@code management.endpoints.web.exposure.include=sluice}; not exposed, its paths answer 404), on
 * {@code management.server.port} when one is set, under the base path, behind the application's Spring Security.
 * Every call needs credentials besides (see {@link SluiceManagementApi}).
 */
@AutoConfiguration(after = SluiceManagementAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
public class SluiceEndpointAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = {"org.springframework.boot.actuate.endpoint.annotation.Endpoint",
            "org.springframework.web.context.request.RequestContextHolder"})
    static class ServletEndpointConfiguration {
        @Bean
        @ConditionalOnBean(SluiceManagementApi.class)
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint(endpoint = SluiceServletEndpoint.class)
        SluiceServletEndpoint sluiceServletEndpoint(SluiceManagementApi api) {
            return new SluiceServletEndpoint(api);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnClass(name = {"org.springframework.boot.actuate.endpoint.annotation.Endpoint",
            "org.springframework.web.filter.reactive.ServerWebExchangeContextFilter"})
    static class ReactiveEndpointConfiguration {
        @Bean
        @ConditionalOnBean(SluiceManagementApi.class)
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint(endpoint = SluiceReactiveEndpoint.class)
        SluiceReactiveEndpoint sluiceReactiveEndpoint(SluiceManagementApi api) {
            return new SluiceReactiveEndpoint(api);
        }
    }
}
