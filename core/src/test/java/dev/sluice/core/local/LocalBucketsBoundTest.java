package dev.sluice.core.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.Policy;
import dev.sluice.core.config.Rate;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.testkit.ManualScheduler;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Node-local buckets cannot exhaust memory: they are bounded by count and forgotten when idle and full. */
class LocalBucketsBoundTest {
    private final ManualScheduler time = new ManualScheduler();

    @Test
    void distinctKeysBeyondTheLimitEvictTheLeastRecentlyUsed() {
        try (LocalBackend backend = new LocalBackend(time, 1_000)) {
            PolicyLimiter limiter = backend.bind(Policy.builder("p").rate(new Rate(5, Duration.ofSeconds(1))).build());
            for (int i = 0; i < 50_000; i++) {
                limiter.consume("client-" + i, 1, 0).join();
            }
            eventuallyAtMost(limiter, 1_000);
        }
    }

    @Test
    void idleBucketsAreForgottenOnceTheyWouldBeFullAgain() {
        try (LocalBackend backend = new LocalBackend(time)) {
            PolicyLimiter limiter = backend.bind(Policy.builder("p").rate(new Rate(10, Duration.ofSeconds(1))).build());
            for (int i = 0; i < 100; i++) {
                limiter.consume("client-" + i, 1, 0).join();
            }
            assertThat(limiter.stats().keys()).isEqualTo(100);
            time.advance(Duration.ofSeconds(3));
            limiter.consume("fresh", 1, 0).join();
            eventuallyAtMost(limiter, 1);
        }
    }

    @Test
    void aKeyInConstantUseKeepsItsBucketThoughMostReadsSkipTheCachesBookkeeping() {
        try (LocalBackend backend = new LocalBackend(time)) {
            PolicyLimiter limiter = backend.bind(Policy.builder("p").rate(new Rate(10, Duration.ofSeconds(1))).build());
            int admitted = 0;
            for (int step = 0; step <= 200; step++) {
                if (limiter.consume("hot", 1, 0).join().consumed()) {
                    admitted++;
                }
                time.advance(Duration.ofMillis(50));
            }
            // 10 s of use, never idle: burst 10 + 10/s x 10 s; a bucket forgotten while in use would start full again
            assertThat(admitted).isEqualTo(110);

            time.advance(Duration.ofMillis(1_900));
            assertThat(limiter.stats().keys()).as("not yet idle for the time to fill + 1 s").isEqualTo(1);
            time.advance(Duration.ofMillis(300));
            eventuallyAtMost(limiter, 0);
        }
    }

    private static void eventuallyAtMost(PolicyLimiter limiter, long keys) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (limiter.stats().keys() > keys && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(limiter.stats().keys()).isLessThanOrEqualTo(keys);
    }
}
