package dev.sluice.gateway;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.annotation.Bean;
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
}
