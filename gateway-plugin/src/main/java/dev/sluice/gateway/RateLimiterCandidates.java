package dev.sluice.gateway;

import java.util.Arrays;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;

/**
 * Lets {@code sluiceRateLimiter} live beside another {@link RateLimiter} (a {@code RedisRateLimiter} kept on the routes
 * not migrated yet). The gateway's {@code RequestRateLimiterGatewayFilterFactory} takes one {@code RateLimiter} by type
 * as the default for routes that name none; with two it fails to start. When the application has another
 * {@code RateLimiter}, {@code sluiceRateLimiter} stops being a default candidate for such injection points: the other
 * one is the default, and routes name {@code #{@sluiceRateLimiter}} to use Sluice. Alone, it stays the default.
 */
final class RateLimiterCandidates implements BeanFactoryPostProcessor {
    static final String BEAN = "sluiceRateLimiter";

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beans) {
        if (!beans.containsBeanDefinition(BEAN)) {
            return;
        }
        boolean others = Arrays.stream(beans.getBeanNamesForType(RateLimiter.class, true, false))
                .anyMatch(name -> !name.equals(BEAN));
        BeanDefinition definition = beans.getBeanDefinition(BEAN);
        if (others && definition instanceof AbstractBeanDefinition sluice && !sluice.isPrimary()) {
            sluice.setDefaultCandidate(false);
        }
    }
}
