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
 * One cluster-scope bucket driven well above its rate from all three members at once admits burst + rate·t, never
 * more than +0.5 %. Bucket4j stamps each request with its sender's clock when it is sent, so t runs from the first
 * request sent (which creates the bucket, full) to the sending of the last request admitted. The burst is a second of
 * the rate, so that a pause of the load generators (GC, a busy 2-core machine) shorter than that loses no tokens.
 */
class ClusterRateAccuracyTest {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterRateAccuracyTest.class);

    @Test
    void admitsTheTheoreticalMaximumAcrossThreeMembers() throws Exception {
        Policy policy = Policy.builder("accuracy").rate(new Rate(200, Duration.ofSeconds(1), 200)).build();
        try (TestCluster cluster = TestCluster.of(3); SystemScheduler time = new SystemScheduler()) {
            List<HazelcastBackend> backends = new ArrayList<>();
            List<PolicyLimiter> limiters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                HazelcastBackend backend = new HazelcastBackend(cluster.members.get(i), time, TestCluster.PATIENT);
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
            long start = System.nanoTime();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                PolicyLimiter limiter = limiters.get(t);
                workers.add(pool.submit(() -> {
                    java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(16);
                    while (System.nanoTime() - start < runNanos) {
                        inFlight.acquire();
                        sent.incrementAndGet();
                        long sentAt = System.nanoTime();
                        limiter.consume("shared", 1, 0).whenComplete((outcome, failure) -> {
                            firstAnswer.accumulateAndGet(System.nanoTime(), Math::min);
                            if (outcome != null && outcome.consumed()) {
                                admitted.incrementAndGet();
                                lastAnswer.accumulateAndGet(sentAt, Math::max);
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
            double theory = 200 + 200 * seconds;
            LOG.info("Cluster rate across 3 members: {} admitted of {} sent in {} s; theory {} ({} %)", admitted.get(),
                    sent.get(), String.format("%.3f", seconds), String.format("%.1f", theory),
                    String.format("%+.2f", 100 * (admitted.get() / theory - 1)));
            assertThat(sent.get()).as("driven well above the rate").isGreaterThan((long) (2 * theory));
            // Over-admission is what must never happen: +0.5 % at most. Under-admission here measures the load
            // generator as much as the limiter: on a busy 2-core machine three members and the senders share the
            // cores, and a run that stalls loses tokens. Typical runs land at -0.3 %; the bound is -5 %.
            assertThat((double) admitted.get()).isBetween(0.95 * theory, 1.005 * theory);
            backends.forEach(HazelcastBackend::close);
        }
    }
}
