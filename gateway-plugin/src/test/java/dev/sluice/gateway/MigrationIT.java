package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.RunningGateway.Answer;
import org.junit.jupiter.api.Test;

/**
 * Migrating route by route: sluiceRateLimiter on some routes, another RateLimiter bean (standing for a kept
 * RedisRateLimiter) on others. The gateway starts without a {@code @Primary} bean of the user's; each route gets the
 * limiter it names, and routes naming none get the other limiter, as before Sluice was added.
 */
class MigrationIT {

    @Test
    void twoRateLimiterBeansStartAndEachRouteUsesItsOwn() {
        try (RunningGateway gateway = RunningGateway.start("migration")) {
            Answer first = gateway.get("/echo/migrated/a");
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("RateLimit-Policy")).isEqualTo("\"rate-limiter-migrated\";q=1;w=3600");
            Answer second = gateway.get("/echo/migrated/a");
            assertThat(second.status()).as("Sluice's limit").isEqualTo(429);
            assertThat(second.header("X-Legacy-Limiter")).isNull();

            Answer legacy = gateway.get("/echo/legacy/a");
            assertThat(legacy.status()).isEqualTo(429);
            assertThat(legacy.header("X-Legacy-Limiter")).isEqualTo("legacy");
            assertThat(legacy.header("RateLimit-Policy")).isNull();

            Answer unnamed = gateway.get("/echo/unnamed/a");
            assertThat(unnamed.header("X-Legacy-Limiter")).as("the application's limiter stays the default")
                    .isEqualTo("unnamed");
        }
    }
}
