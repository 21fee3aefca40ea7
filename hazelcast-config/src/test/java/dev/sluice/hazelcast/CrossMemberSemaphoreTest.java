package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Rate;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.time.SystemScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One semaphore used from three members: first in first out across them, and live count changes. */
class CrossMemberSemaphoreTest {
    private static final long WAIT = Duration.ofMinutes(1).toNanos();
    private TestCluster cluster;
    private SystemScheduler time;
    private final List<HazelcastBackend> backends = new ArrayList<>();
    private final List<PolicyLimiter> limiters = new ArrayList<>();
    private final Policy policy = Policy.builder("shared").concurrency(new Concurrency(1, Duration.ofMinutes(1)))
            .queue(new QueueLimit(10, Duration.ofMinutes(1))).build();

    @BeforeEach
    void start() {
        cluster = TestCluster.of(3);
        time = new SystemScheduler();
        for (int i = 0; i < 3; i++) {
            HazelcastBackend backend = new HazelcastBackend(cluster.members.get(i), time, TestCluster.PATIENT);
            backends.add(backend);
            limiters.add(backend.bind(policy));
        }
    }

    @AfterEach
    void stop() {
        backends.forEach(HazelcastBackend::close);
        time.close();
        cluster.close();
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(20, TimeUnit.SECONDS);
    }

    private void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private long queued() {
        try {
            return await(limiters.get(0).state("k")).queued();
        } catch (Exception failure) {
            throw new AssertionError(failure);
        }
    }

    @Test
    void waitersOnDifferentMembersAreServedInArrivalOrder() throws Exception {
        PermitOutcome holder = await(limiters.get(0).acquire("k", 1, WAIT));
        List<CompletableFuture<PermitOutcome>> waiters = new ArrayList<>();
        int[] order = {1, 2, 0, 1};
        for (int i = 0; i < order.length; i++) {
            waiters.add(limiters.get(order[i]).acquire("k", 1, WAIT));
            int expected = i + 1;
            eventually(expected + " queued", () -> queued() == expected);
        }
        PermitOutcome current = holder;
        for (int i = 0; i < order.length; i++) {
            current.lease().release();
            current = await(waiters.get(i));
            assertThat(current.granted()).isTrue();
            for (int later = i + 1; later < order.length; later++) {
                assertThat(waiters.get(later)).as("waiter %d waits behind %d", later, i).isNotDone();
            }
        }
        current.lease().release();
        eventually("nothing held", () -> {
            try {
                return await(limiters.get(2).state("k")).permitsInUse() == 0;
            } catch (Exception failure) {
                throw new AssertionError(failure);
            }
        });
    }

    @Test
    void countChangesApplyWhileLeasesAreHeldOnSeveralMembers() throws Exception {
        Policy two = policy.toBuilder().concurrency(new Concurrency(2, Duration.ofMinutes(1))).build();
        limiters.forEach(limiter -> limiter.reconfigure(two));
        PermitOutcome onFirst = await(limiters.get(0).acquire("k", 1, WAIT));
        PermitOutcome onSecond = await(limiters.get(1).acquire("k", 1, WAIT));
        CompletableFuture<PermitOutcome> a = limiters.get(2).acquire("k", 1, WAIT);
        eventually("one queued", () -> queued() == 1);
        CompletableFuture<PermitOutcome> b = limiters.get(2).acquire("k", 1, WAIT);
        eventually("two queued", () -> queued() == 2);

        Policy four = policy.toBuilder().concurrency(new Concurrency(4, Duration.ofMinutes(1))).build();
        limiters.forEach(limiter -> limiter.reconfigure(four));
        assertThat(await(a).granted()).as("raised: admitted at once").isTrue();
        assertThat(await(b).granted()).isTrue();

        Policy one = policy.toBuilder().concurrency(new Concurrency(1, Duration.ofMinutes(1))).build();
        limiters.forEach(limiter -> limiter.reconfigure(one));
        assertThat(await(limiters.get(1).acquire("k", 1, 0)).granted()).as("4 held, 1 allowed").isFalse();
        onFirst.lease().release();
        onSecond.lease().release();
        await(a).lease().release();
        assertThat(await(limiters.get(0).acquire("k", 1, 0)).granted()).as("still 1 held").isFalse();
        await(b).lease().release();
        eventually("usage dropped", () -> {
            try {
                return await(limiters.get(0).state("k")).permitsInUse() == 0;
            } catch (Exception failure) {
                throw new AssertionError(failure);
            }
        });
        PermitOutcome again = await(limiters.get(1).acquire("k", 1, 0));
        assertThat(again.granted()).isTrue();
        again.lease().release();
    }

    @Test
    void removingTheLimitAdmitsTheWaitersOfEveryMember() throws Exception {
        PermitOutcome holder = await(limiters.get(0).acquire("k", 1, WAIT));
        CompletableFuture<PermitOutcome> onSecond = limiters.get(1).acquire("k", 1, WAIT);
        eventually("one queued", () -> queued() == 1);
        CompletableFuture<PermitOutcome> onThird = limiters.get(2).acquire("k", 1, WAIT);
        eventually("two queued", () -> queued() == 2);

        Policy unlimited = Policy.builder("shared").rate(new Rate(1000, Duration.ofSeconds(1))).build();
        limiters.forEach(limiter -> limiter.reconfigure(unlimited));
        assertThat(await(onSecond).granted()).isTrue();
        assertThat(await(onThird).granted()).isTrue();
        holder.lease().release();
        eventually("nothing held, no one queued", () -> {
            try {
                return await(limiters.get(0).state("k")).permitsInUse() == 0 && queued() == 0;
            } catch (Exception failure) {
                throw new AssertionError(failure);
            }
        });
    }
}
