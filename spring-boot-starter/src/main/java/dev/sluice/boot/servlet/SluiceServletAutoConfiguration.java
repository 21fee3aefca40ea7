package dev.sluice.boot.servlet;

import dev.sluice.boot.SluiceAutoConfiguration;
import dev.sluice.core.Sluice;
import dev.sluice.filter.SluiceFilter;
import jakarta.servlet.DispatcherType;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Registers {@link SluiceFilter} around the engine {@link SluiceAutoConfiguration} builds, in servlet web applications
 * (Spring MVC): async supported (a queued request is suspended and holds no thread), on {@code REQUEST} and
 * {@code ASYNC} dispatches, for {@code sluice.filter.url-patterns}. Its order is {@code sluice.filter.order}, by default
 * right after Spring Security's filter chain when the application has one, else first. An application that registers
 * its own {@code sluiceFilterRegistration} keeps it. Off with {@code sluice.filter.enabled=false}.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({SluiceFilter.class, FilterRegistrationBean.class})
@ConditionalOnBooleanProperty(name = "sluice.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "sluice.filter.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SluiceFilterProperties.class)
public class SluiceServletAutoConfiguration {
    /** The bean Spring Security's servlet filter chain is registered under, and the property of its order. */
    static final String SECURITY_CHAIN = "springSecurityFilterChain";
    static final int SECURITY_DEFAULT_ORDER = -100;

    @Bean
    @ConditionalOnBean(Sluice.class)
    @ConditionalOnMissingBean(name = "sluiceFilterRegistration")
    FilterRegistrationBean<SluiceFilter> sluiceFilterRegistration(Sluice sluice, SluiceFilterProperties properties,
            ListableBeanFactory beans, Environment environment) {
        FilterRegistrationBean<SluiceFilter> registration = new FilterRegistrationBean<>(new SluiceFilter(sluice));
        registration.setName("sluiceFilter");
        registration.setAsyncSupported(true);
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
        registration.setUrlPatterns(properties.getUrlPatterns());
        registration.setOrder(order(properties, beans, environment));
        return registration;
    }

    static int order(SluiceFilterProperties properties, ListableBeanFactory beans, Environment environment) {
        if (properties.getOrder() != null) {
            return properties.getOrder();
        }
        if (beans.containsBean(SECURITY_CHAIN)) {
            return environment.getProperty("spring.security.filter.order", Integer.class, SECURITY_DEFAULT_ORDER) + 1;
        }
        return Ordered.HIGHEST_PRECEDENCE + 1;
    }
}
