package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.gateway.RunningGateway.Answer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import org.springframework.cloud.gateway.filter.ratelimit.RedisRateLimiter;

/**
 * Migrating route by route with the real thing: Spring Cloud Gateway's own {@code RedisRateLimiter} against a real
 * {@code redis-server} on one route, {@code sluiceRateLimiter} on another, in one gateway, and no {@code @Primary}
 * bean of the application's. The gateway starts, each route is limited by the limiter it names, and a route naming
 * none keeps the Redis limiter, as before Sluice was added. RedisRateLimiter lets requests through when Redis does
 * not answer, so its 429 and its remaining count prove that Redis decided.
 */
class RedisMigrationIT {
    private static final String REDIS_REMAINING = "X-RateLimit-Remaining";
    private static final String REDIS_BURST = "X-RateLimit-Burst-Capacity";

    @Test
    void redisRateLimiterAndSluiceRateLimiterEachLimitTheirRoutes() throws Exception {
        try (RedisServer redis = RedisServer.start();
                RunningGateway gateway = RunningGateway.start("redis-migration", "spring.autoconfigure.exclude=",
                        "spring.data.redis.port=" + redis.port(), "test.redis-eager=true")) {
            assertThat(gateway.context.getBeansOfType(RateLimiter.class)).containsKeys("redisRateLimiter",
                    "sluiceRateLimiter");
            assertThat(gateway.context.getBean("redisRateLimiter")).isInstanceOf(RedisRateLimiter.class);

            Map<String, String> client = Map.of("X-Api-Key", "client-a");
            Answer kept = gateway.get("/echo/kept/a", client);
            assertThat(kept.status()).as(kept.body()).isEqualTo(200);
            assertThat(kept.header(REDIS_BURST)).as("Redis's headers").isEqualTo("60");
            assertThat(kept.header(REDIS_REMAINING)).as("answered by Redis (-1 when it cannot answer)")
                    .isEqualTo("0");
            assertThat(kept.header("RateLimit-Policy")).as("not Sluice's").isNull();
            Answer keptAgain = gateway.get("/echo/kept/a", client);
            assertThat(keptAgain.status()).as("Redis's limit").isEqualTo(429);
            assertThat(keptAgain.header(REDIS_REMAINING)).isEqualTo("0");
            assertThat(gateway.backend.requests.get()).as("the refused request never reached the backend")
                    .isEqualTo(1);

            Answer migrated = gateway.get("/echo/migrated/a", client);
            assertThat(migrated.status()).as(migrated.body()).isEqualTo(200);
            assertThat(migrated.header("RateLimit-Policy")).isEqualTo("\"rate-limiter-migrated\";q=1;w=3600");
            assertThat(migrated.header(REDIS_BURST)).as("not Redis's").isNull();
            Answer migratedAgain = gateway.get("/echo/migrated/a", client);
            assertThat(migratedAgain.status()).as("Sluice's limit").isEqualTo(429);
            assertThat(migratedAgain.header("Retry-After")).isNotNull();

            Map<String, String> other = Map.of("X-Api-Key", "client-b");
            Answer unnamed = gateway.get("/echo/unnamed/a", other);
            assertThat(unnamed.status()).as(unnamed.body()).isEqualTo(200);
            assertThat(unnamed.header(REDIS_BURST)).as("a route naming no limiter keeps RedisRateLimiter")
                    .isEqualTo("60");
            assertThat(unnamed.header("RateLimit-Policy")).isNull();
            assertThat(gateway.get("/echo/unnamed/a", other).status()).isEqualTo(429);
        }
    }
}
