package dev.sluice.gateway;

import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import reactor.core.publisher.Mono;

/** A gateway application for tests: routes and policies come from the test's configuration file. */
@SpringBootApplication(proxyBeanMethods = false)
class GatewayTestApp {
    /** The RequestRateLimiter's key: the X-Api-Key header, or "anonymous". */
    @Bean
    KeyResolver apiKeyResolver() {
        return exchange -> Mono.just(java.util.Optional.ofNullable(
                exchange.getRequest().getHeaders().getFirst("X-Api-Key")).orElse("anonymous"));
    }

    /** A second RateLimiter, standing for a RedisRateLimiter kept on routes not migrated yet: refuses everything. */
    @Bean
    @ConditionalOnBooleanProperty("test.legacy-limiter")
    RateLimiter<Object> legacyRateLimiter() {
        return new RateLimiter<>() {
            @Override
            public Mono<Response> isAllowed(String routeId, String id) {
                return Mono.just(new Response(false, Map.of("X-Legacy-Limiter", routeId)));
            }

            @Override
            public Map<String, Object> getConfig() {
                return Map.of();
            }

            @Override
            public Class<Object> getConfigClass() {
                return Object.class;
            }

            @Override
            public Object newConfig() {
                return new Object();
            }
        };
    }

    /**
     * Connects to Redis at start-up instead of on the first request: Lettuce opens its shared connection by waiting
     * for it, which BlockHound (rightly) refuses on the event loop that runs RedisRateLimiter's first call.
     */
    @Bean
    @ConditionalOnBooleanProperty("test.redis-eager")
    static BeanPostProcessor eagerRedisConnection() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String name) {
                if (bean instanceof LettuceConnectionFactory lettuce) {
                    lettuce.setEagerInitialization(true);
                }
                return bean;
            }
        };
    }
}
