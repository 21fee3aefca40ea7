package dev.sluice.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Admission;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Rate;
import dev.sluice.core.testkit.TestRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Many threads, real timer, random cancellations and releases from other threads: at the end every permit is back
 * and every queue is empty, and the in-flight count never exceeded the permits.
 */
class ConcurrencyStressTest {
    @Test
    void everyPermitReturnsAndEveryQueueEmpties() throws Exception {
        Policy gate = Policy.builder("gate").key("header:K").concurrency(new Concurrency(4))
                .queue(new QueueLimit(50, Duration.ofMillis(50))).build();
        Policy meter = Policy.builder("meter").key("header:K").rate(new Rate(2000, Duration.ofSeconds(1), 50))
                .queue(new QueueLimit(20, Duration.ofMillis(20))).build();
        try (Sluice sluice = Sluice.builder().policies(new PolicySet(List.of(meter, gate))).build()) {
            AtomicInteger[] inFlight = {new AtomicInteger(), new AtomicInteger()};
            AtomicInteger maxSeen = new AtomicInteger();
            ExecutorService releasers = Executors.newFixedThreadPool(6);
            ExecutorService workers = Executors.newFixedThreadPool(8);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int seed = w;
                done.add(workers.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    List<CompletableFuture<?>> mine = new ArrayList<>();
                    for (int i = 0; i < 1500; i++) {
                        int key = random.nextInt(2);
                        CompletableFuture<Admission> future = sluice.admit(
                                TestRequest.get("/work").header("K", "k" + key));
                        if (random.nextInt(5) == 0) {
                            future.cancel(false);
                        }
                        mine.add(future.thenAcceptAsync(admission -> {
                            if (!admission.admitted()) {
                                return;
                            }
                            int now = inFlight[key].incrementAndGet();
                            maxSeen.accumulateAndGet(now, Math::max);
                            for (int spin = 0; spin < 2000; spin++) {
                                Thread.onSpinWait();
                            }
                            inFlight[key].decrementAndGet();
                            admission.release();
                            if (random.nextBoolean()) {
                                admission.release();
                            }
                        }, releasers));
                    }
                    for (CompletableFuture<?> future : mine) {
                        try {
                            future.get(10, TimeUnit.SECONDS);
                        } catch (Exception cancelledOrRefused) {
                            // a cancelled admission ends here; what matters is checked below
                        }
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
            workers.shutdown();
            releasers.shutdown();
            assertThat(releasers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

            assertThat(maxSeen.get()).isLessThanOrEqualTo(4);
            assertThat(sluice.figures("gate").orElseThrow().permitsInUse()).isZero();
            assertThat(sluice.figures("gate").orElseThrow().queued()).isZero();
            assertThat(sluice.figures("meter").orElseThrow().queued()).isZero();
            assertThat(sluice.figures("gate").orElseThrow().admitted()).isPositive();
        }
    }
}
