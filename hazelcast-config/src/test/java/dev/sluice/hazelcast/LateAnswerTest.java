package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Scope;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.time.SystemScheduler;
import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A semaphore call that the time limit failed but the cluster carried out afterwards: the member's partition thread
 * is held by a blocking entry processor on the same key (same partition), so the acquire is answered only after the
 * limit, deterministically. What the late answer granted or queued must not stay counted.
 */
class LateAnswerTest {
    private static volatile CountDownLatch started;
    private static volatile CountDownLatch proceed;

    private TestCluster cluster;
    private SystemScheduler time;
    private HazelcastBackend backend;

    @AfterEach
    void stop() {
        CountDownLatch open = proceed;
        if (open != null) {
            open.countDown();
        }
        if (backend != null) {
            backend.close();
        }
        if (time != null) {
            time.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Holds its partition's thread until the test lets it go (at most 30 s). */
    static final class Blocker implements EntryProcessor<String, String, Boolean>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean process(Map.Entry<String, String> entry) {
            started.countDown();
            try {
                return proceed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private CompletableFuture<Boolean> blockPartitionOf(HazelcastInstance member, String entryKey) throws Exception {
        started = new CountDownLatch(1);
        proceed = new CountDownLatch(1);
        CompletableFuture<Boolean> blocker = member.<String, String>getMap("sluice-test-blocker")
                .submitToKey(entryKey, new Blocker()).toCompletableFuture();
        assertThat(started.await(10, TimeUnit.SECONDS)).as("the blocker runs").isTrue();
        return blocker;
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** The semaphore entry as the cluster holds it (read off the request path, without a time limit). */
    private SemaphoreOps.Outcome entry(String policy) {
        try {
            return backend.semaphores().read(policy + MapNames.SEPARATOR + "k").get(20,
                    TimeUnit.SECONDS);
        } catch (Exception failure) {
            throw new AssertionError(failure);
        }
    }

    private PolicyLimiter start(Policy policy) {
        cluster = TestCluster.of(1);
        time = new SystemScheduler();
        // the blocker holds the partition as long as the test wants, so any limit is passed; a long one keeps the
        // other calls (the first ones, on a cold node) clear of it on a busy machine
        backend = new HazelcastBackend(cluster.members.get(0), time, Map.of(HazelcastCluster.TIMEOUT_OPTION, "2s"));
        return backend.bind(policy);
    }

    @Test
    void aGrantThatArrivesAfterTheTimeLimitIsGivenBack() throws Exception {
        PolicyLimiter limiter = start(Policy.builder("late").scope(Scope.CLUSTER)
                .concurrency(new Concurrency(1, Duration.ofMinutes(5))).build());
        CompletableFuture<Boolean> blocker = blockPartitionOf(cluster.members.get(0),
                "late" + MapNames.SEPARATOR + "k");

        CompletableFuture<PermitOutcome> acquire = limiter.acquire("k", 1, 0);
        assertThatThrownBy(() -> acquire.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TimeoutException.class);
        proceed.countDown();
        assertThat(blocker.get(10, TimeUnit.SECONDS)).isTrue();

        eventually("the late grant is given back", () -> entry("late").used() == 0);
        assertThat(limiter.stats().permitsInUse()).isZero();
        PermitOutcome next = limiter.acquire("k", 1, 0).get(10, TimeUnit.SECONDS);
        assertThat(next.granted()).as("the only permit is free").isTrue();
        next.lease().release();
        eventually("released", () -> entry("late").used() == 0);
    }

    @Test
    void aPlaceInTheLineTakenAfterTheTimeLimitIsLeft() throws Exception {
        PolicyLimiter limiter = start(Policy.builder("line").scope(Scope.CLUSTER)
                .concurrency(new Concurrency(1, Duration.ofMinutes(5)))
                .queue(new QueueLimit(10, Duration.ofMinutes(1))).build());
        PermitOutcome holder = limiter.acquire("k", 1, 0).get(10, TimeUnit.SECONDS);
        assertThat(holder.granted()).isTrue();
        CompletableFuture<Boolean> blocker = blockPartitionOf(cluster.members.get(0),
                "line" + MapNames.SEPARATOR + "k");

        CompletableFuture<PermitOutcome> waiter = limiter.acquire("k", 1, Duration.ofMinutes(1).toNanos());
        assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
        proceed.countDown();
        assertThat(blocker.get(10, TimeUnit.SECONDS)).isTrue();

        eventually("the late place in the line is left", () -> entry("line").queued() == 0);
        holder.lease().release();
        eventually("nothing is held: the waiter that left was not granted", () -> {
            SemaphoreOps.Outcome state = entry("line");
            return state.used() == 0 && state.queued() == 0;
        });
    }
}
