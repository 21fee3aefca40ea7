package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.Policy;
import dev.sluice.core.config.Rate;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.time.SystemScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster-scope bucket driven well above its rate from all three members at once never admits more than
 * burst + rate·t (+0.5 %) and close to it, where t is the measured time from the first request sent (which creates the bucket, full) to the
 * last admitted answer received.
 */
class ClusterRateAccuracyTest {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterRateAccuracyTest.class);

    @Test
    void admitsTheTheoreticalMaximumAcrossThreeMembers() throws Exception {
        Policy policy = Policy.builder("accuracy").rate(new Rate(500, Duration.ofSeconds(1), 50)).build();
        try (TestCluster cluster = TestCluster.of(3); SystemScheduler time = new SystemScheduler()) {
            List<HazelcastBackend> backends = new ArrayList<>();
            List<PolicyLimiter> limiters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                HazelcastBackend backend = new HazelcastBackend(cluster.members.get(i), time,
                        HazelcastBackend.WALL_CLOCK);
                backends.add(backend);
                limiters.add(backend.bind(policy));
            }
            long warmUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < warmUntil) {
                for (PolicyLimiter limiter : limiters) {
                    limiter.consume("warm-up", 1, 0).get(20, TimeUnit.SECONDS);
                }
            }
            AtomicLong admitted = new AtomicLong();
            AtomicLong sent = new AtomicLong();
            AtomicLong firstAnswer = new AtomicLong(Long.MAX_VALUE);
            AtomicLong lastAnswer = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            long runNanos = TimeUnit.SECONDS.toNanos(5);
            long start = HazelcastBackend.WALL_CLOCK.nanos();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                PolicyLimiter limiter = limiters.get(t);
                workers.add(pool.submit(() -> {
                    java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(16);
                    while (HazelcastBackend.WALL_CLOCK.nanos() - start < runNanos) {
                        inFlight.acquire();
                        sent.incrementAndGet();
                        limiter.consume("shared", 1, 0).whenComplete((outcome, failure) -> {
                            long now = HazelcastBackend.WALL_CLOCK.nanos();
                            firstAnswer.accumulateAndGet(now, Math::min);
                            if (outcome != null && outcome.consumed()) {
                                admitted.incrementAndGet();
                                lastAnswer.accumulateAndGet(now, Math::max);
                            }
                            inFlight.release();
                        });
                    }
                    assertThat(inFlight.tryAcquire(16, 20, TimeUnit.SECONDS)).isTrue();
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            long end = lastAnswer.get();
            // the bucket is created, full, by the first request, sent at start (after a warm-up on another key)
            long begin = start;
            double seconds = (end - begin) / 1e9;
            double theory = 50 + 500 * seconds;
            LOG.info("Cluster rate across 3 members: {} admitted of {} sent in {} s; theory {} ({} %)", admitted.get(),
                    sent.get(), String.format("%.3f", seconds), String.format("%.1f", theory),
                    String.format("%+.2f", 100 * (admitted.get() / theory - 1)));
            assertThat(sent.get()).as("driven well above the rate").isGreaterThan((long) (1.5 * theory));
            // Never more than the theoretical maximum (+0.5 %). The lower side is held to -5 % here: Bucket4j stamps
            // each request with its sender's clock when sent, and with ~50 ms of queueing per key on this 2-core
            // machine the window measured from outside over-counts by tens of milliseconds.
            assertThat((double) admitted.get()).isBetween(0.95 * theory, 1.005 * theory);
            backends.forEach(HazelcastBackend::close);
        }
    }
}
