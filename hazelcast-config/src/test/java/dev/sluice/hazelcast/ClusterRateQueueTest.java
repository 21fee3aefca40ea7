package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Reason;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Rate;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.core.testkit.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rate queue is one line across the cluster: waiters on two members share the depth, their positions are real
 * (Retry-After of a refusal says when there will be room), and a cancelled waiter's tokens go back to the bucket.
 * Time is a manual clock shared by both nodes.
 */
class ClusterRateQueueTest {
    private static final long MS = 1_000_000L;
    private TestCluster cluster;
    private ManualScheduler time;
    private final List<HazelcastBackend> backends = new ArrayList<>();
    private PolicyLimiter first;
    private PolicyLimiter second;

    @BeforeEach
    void start() {
        cluster = TestCluster.of(2);
        time = new ManualScheduler();
        Policy policy = Policy.builder("line").scope(dev.sluice.core.config.Scope.CLUSTER)
                .rate(new Rate(10, Duration.ofSeconds(1), 1)).queue(new QueueLimit(3, Duration.ofSeconds(1))).build();
        for (int i = 0; i < 2; i++) {
            backends.add(new HazelcastBackend(cluster.members.get(i), time, TestCluster.PATIENT));
        }
        first = backends.get(0).bind(policy);
        second = backends.get(1).bind(policy);
    }

    @AfterEach
    void stop() {
        backends.forEach(HazelcastBackend::close);
        cluster.close();
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(20, TimeUnit.SECONDS);
    }

    /** Waits (bounded) until {@code limiter}'s node has {@code count} requests in the line for "k". */
    private static void awaitQueuedHere(PolicyLimiter limiter, long count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (await(limiter.state("k")).queued() != count) {
            assertThat(System.nanoTime()).as("%d queued", count).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void waitersOnTwoMembersShareOneLine() throws Exception {
        long maxWait = Duration.ofSeconds(1).toNanos();
        assertThat(await(first.consume("k", 1, maxWait)).consumed()).isTrue();
        CompletableFuture<RateOutcome> a = second.consume("k", 1, maxWait);
        awaitQueuedHere(second, 1);
        CompletableFuture<RateOutcome> b = first.consume("k", 1, maxWait);
        awaitQueuedHere(first, 1);
        CompletableFuture<RateOutcome> c = second.consume("k", 1, maxWait);
        awaitQueuedHere(second, 2);

        for (PolicyLimiter either : List.of(first, second)) {
            RateOutcome full = await(either.consume("k", 1, maxWait));
            assertThat(full.reason()).as("three wait across the cluster").isEqualTo(Reason.QUEUE_FULL);
            assertThat(full.nanosToRetry()).as("room in 100 ms, when the first waiter leaves").isEqualTo(100 * MS);
        }

        time.advance(Duration.ofMillis(100));
        assertThat(await(a).waitedNanos()).isEqualTo(100 * MS);
        assertThat(b).isNotDone();
        time.advance(Duration.ofMillis(100));
        assertThat(await(b).waitedNanos()).isEqualTo(200 * MS);
        assertThat(c).isNotDone();
        time.advance(Duration.ofMillis(100));
        assertThat(await(c).waitedNanos()).isEqualTo(300 * MS);
        RateOutcome next = await(first.consume("k", 1, 0));
        assertThat(next.consumed()).as("the bucket gave exactly one token per 100 ms").isFalse();
    }

    @Test
    void aCancelledWaiterGivesItsPlaceBackToTheCluster() throws Exception {
        long maxWait = Duration.ofSeconds(1).toNanos();
        assertThat(await(first.consume("k", 1, maxWait)).consumed()).isTrue();
        CompletableFuture<RateOutcome> a = first.consume("k", 1, maxWait);
        awaitQueuedHere(first, 1);
        CompletableFuture<RateOutcome> b = first.consume("k", 1, maxWait);
        awaitQueuedHere(first, 2);
        CompletableFuture<RateOutcome> c = first.consume("k", 1, maxWait);
        awaitQueuedHere(first, 3);
        assertThat(await(second.consume("k", 1, maxWait)).reason()).isEqualTo(Reason.QUEUE_FULL);

        c.cancel(false);
        awaitQueuedHere(first, 2);
        // the tokens go back asynchronously: until they are back the other member is refused (and changes nothing)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        CompletableFuture<RateOutcome> d;
        while (true) {
            d = second.consume("k", 1, maxWait);
            while (!d.isDone() && await(second.state("k")).queued() == 0) {
                assertThat(System.nanoTime()).as("an answer or a place in the line").isLessThan(deadline);
                Thread.sleep(5);
            }
            if (!d.isDone()) {
                break;
            }
            assertThat(await(d).reason()).isEqualTo(Reason.QUEUE_FULL);
            assertThat(System.nanoTime()).as("the cancelled waiter's tokens came back").isLessThan(deadline);
            Thread.sleep(5);
        }
        time.advance(Duration.ofMillis(300));
        assertThat(await(a).consumed()).isTrue();
        assertThat(await(b).consumed()).isTrue();
        assertThat(await(d).consumed()).as("third in line after the cancellation").isTrue();
        assertThat(await(d).waitedNanos()).isEqualTo(300 * MS);
    }
}
