package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.map.EntryProcessor;
import dev.sluice.core.Reason;
import dev.sluice.core.config.KeyExpression;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Rate;
import dev.sluice.core.config.Scope;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.core.testkit.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests waiting in a cluster rate queue on two members follow a live change of the rate: each member re-places
 * its own waiters under the new rate, so a raise releases them sooner, a lowering later, and the cluster never
 * admits more than the bucket allows from the change on. Each test runs with a first-in-first-out queue and with a
 * fair one ({@code fair-by}, the waiters in two flows), whose line in the cluster moves with the reservations. Time
 * is a manual clock shared by both nodes.
 */
class ClusterLiveQueueChangeTest {
    private static final long MS = 1_000_000L;
    private TestCluster cluster;
    private ManualScheduler time;
    private final List<HazelcastBackend> backends = new ArrayList<>();
    private PolicyLimiter first;
    private PolicyLimiter second;
    private boolean fair;

    @BeforeEach
    void start() {
        cluster = TestCluster.of(2);
        time = new ManualScheduler();
        for (int i = 0; i < 2; i++) {
            backends.add(new HazelcastBackend(cluster.members.get(i), time, TestCluster.PATIENT));
        }
    }

    @AfterEach
    void stop() {
        backends.forEach(HazelcastBackend::close);
        cluster.close();
    }

    private Policy policy(Rate rate, Duration maxWait) {
        QueueLimit queue = fair
                ? new QueueLimit(10, maxWait, KeyExpression.parse("header:X-Tenant"), Map.of(), 1, 10)
                : new QueueLimit(10, maxWait);
        return Policy.builder("line").scope(Scope.CLUSTER).rate(rate).queue(queue).build();
    }

    /** The {@code n}-th request of a test: in a fair queue, flows a and b take turns. */
    private CompletableFuture<RateOutcome> consume(PolicyLimiter limiter, int n, long maxWait) {
        return fair ? limiter.consume("k", 1, maxWait, n % 2 == 0 ? "a" : "b") : limiter.consume("k", 1, maxWait);
    }

    private void bind(Policy policy) {
        first = backends.get(0).bind(policy);
        second = backends.get(1).bind(policy);
    }

    /** Both members apply the change, one after the other, as each hears of it; waits until both re-placed. */
    private void change(Policy next) throws Exception {
        for (PolicyLimiter limiter : List.of(first, second)) {
            limiter.reconfigure(next);
            ((HazelcastPolicyLimiter) limiter).rebalanced().get(20, TimeUnit.SECONDS);
        }
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(20, TimeUnit.SECONDS);
    }

    /** Waits until {@code limiter}'s node has {@code count} waiters and, in a fair queue, the line holds them all. */
    private void awaitQueuedHere(PolicyLimiter limiter, long count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (await(limiter.state("k")).queued() != count) {
            assertThat(System.nanoTime()).as("%d queued", count).isLessThan(deadline);
            Thread.sleep(5);
        }
        long all = await(first.state("k")).queued() + await(second.state("k")).queued();
        while (fair && inLine() != all) {
            assertThat(System.nanoTime()).as("%d in the line", all).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private int inLine() {
        RateLine line = cluster.members.get(0).<String, RateLine>getMap(MapNames.RATE_LINES)
                .get("line" + MapNames.SEPARATOR + "k");
        return line == null ? 0 : line.waiters.size();
    }

    /** One request takes the only token; then four wait, alternating between the members: a, b, c, d. */
    private List<CompletableFuture<RateOutcome>> fourWaitersOnTwoMembers(long maxWait) throws Exception {
        assertThat(await(consume(first, 0, maxWait)).consumed()).isTrue();
        List<CompletableFuture<RateOutcome>> line = new ArrayList<>();
        line.add(consume(second, 1, maxWait));
        awaitQueuedHere(second, 1);
        line.add(consume(first, 2, maxWait));
        awaitQueuedHere(first, 1);
        line.add(consume(second, 3, maxWait));
        awaitQueuedHere(second, 2);
        line.add(consume(first, 4, maxWait));
        awaitQueuedHere(first, 2);
        return line;
    }

    private static long admitted(List<CompletableFuture<RateOutcome>> line) {
        return line.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join)
                .filter(RateOutcome::consumed).count();
    }

    private void awaitAdmitted(List<CompletableFuture<RateOutcome>> line, long count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (admitted(line) < count) {
            assertThat(System.nanoTime()).as("%d admitted", count).isLessThan(deadline);
            time.runDue();   // a fair waiter's turn the line answered after the clock had passed it
            Thread.sleep(5);
        }
    }

    @ParameterizedTest(name = "fair: {0}")
    @ValueSource(booleans = {false, true})
    void aRaisedRateReleasesWaitersOnBothMembersSooner(boolean fairQueue) throws Exception {
        fair = fairQueue;
        long maxWait = Duration.ofMinutes(1).toNanos();
        bind(policy(new Rate(1, Duration.ofSeconds(1), 1), Duration.ofMinutes(1)));
        List<CompletableFuture<RateOutcome>> line = fourWaitersOnTwoMembers(maxWait);   // due at 1, 2, 3, 4 s

        change(policy(new Rate(10, Duration.ofSeconds(1), 1), Duration.ofMinutes(1)));

        time.advance(Duration.ofMillis(300));
        awaitAdmitted(line, 2);
        Thread.sleep(200);
        assertThat(admitted(line)).as("three tokens by 300 ms at 10/s, one taken before the line").isEqualTo(2);
        time.advance(Duration.ofMillis(100));
        awaitAdmitted(line, 4);
        for (CompletableFuture<RateOutcome> waiter : line) {
            assertThat(await(waiter).waitedNanos()).isLessThanOrEqualTo(400 * MS);
        }
        assertThat(await(first.consume("k", 1, 0)).consumed()).as("nothing beyond the new rate").isFalse();
        assertThat(await(second.consume("k", 1, 0)).consumed()).isFalse();
    }

    @ParameterizedTest(name = "fair: {0}")
    @ValueSource(booleans = {false, true})
    void aLoweredRateReleasesWaitersOnBothMembersLaterAndNoMore(boolean fairQueue) throws Exception {
        fair = fairQueue;
        long maxWait = Duration.ofSeconds(10).toNanos();
        bind(policy(new Rate(10, Duration.ofSeconds(1), 1), Duration.ofSeconds(10)));
        List<CompletableFuture<RateOutcome>> line = fourWaitersOnTwoMembers(maxWait);   // due at 100 .. 400 ms

        change(policy(new Rate(1, Duration.ofSeconds(1), 1), Duration.ofSeconds(10)));

        time.advance(Duration.ofMillis(400));
        Thread.sleep(200);
        assertThat(admitted(line)).as("at 1/s none is due yet").isZero();
        time.advance(Duration.ofMillis(2600));
        awaitAdmitted(line, 2);
        Thread.sleep(200);
        assertThat(admitted(line)).as("three tokens by 3 s, one taken before the line").isEqualTo(2);
        time.advance(Duration.ofSeconds(1));
        awaitAdmitted(line, 4);
        assertThat(await(first.consume("k", 1, 0)).consumed()).as("nothing beyond the new rate").isFalse();
    }

    @ParameterizedTest(name = "fair: {0}")
    @ValueSource(booleans = {false, true})
    void aWaiterTheLoweredRateCannotServeWithinItsMaxWaitIsRefusedAtOnce(boolean fairQueue) throws Exception {
        fair = fairQueue;
        long maxWait = Duration.ofSeconds(10).toNanos();
        bind(policy(new Rate(10, Duration.ofSeconds(1), 1), Duration.ofSeconds(10)));
        List<CompletableFuture<RateOutcome>> line = fourWaitersOnTwoMembers(maxWait);

        change(policy(new Rate(1, Duration.ofMinutes(1), 1), Duration.ofSeconds(10)));
        if (fair) {
            // a node that applied the change first may have been given the other's units from before it: its
            // waiters learn their turns when those fall due (by 400 ms)
            time.advance(Duration.ofMillis(400));
        }

        for (CompletableFuture<RateOutcome> waiter : line) {
            RateOutcome outcome = await(waiter);
            assertThat(outcome.consumed()).isFalse();
            assertThat(outcome.reason()).isEqualTo(Reason.QUEUE_TIMEOUT);
            assertThat(outcome.nanosToRetry()).as("when the new rate could serve it").isGreaterThan(maxWait);
        }
        assertThat(await(first.state("k")).queued()).isZero();
        assertThat(await(second.state("k")).queued()).isZero();
    }

    @ParameterizedTest(name = "fair: {0}")
    @ValueSource(booleans = {false, true})
    void aRequestOnItsWayIntoTheQueueWhenTheChangeIsAppliedFollowsItToo(boolean fairQueue) throws Exception {
        fair = fairQueue;
        long maxWait = Duration.ofSeconds(10).toNanos();
        bind(policy(new Rate(10, Duration.ofSeconds(1), 1), Duration.ofSeconds(10)));
        assertThat(await(consume(first, 0, maxWait)).consumed()).isTrue();

        // the key's partition thread waits on a latch, so the next request's take waits behind it while the change
        // is applied; the take then finds the bucket still under the old rate and the request reserves under it
        String bucketKey = "line" + MapNames.SEPARATOR + "k";
        Blocker.running = new CountDownLatch(1);
        Blocker.release = new CountDownLatch(1);
        CompletableFuture<Object> blocked = cluster.members.get(0).<String, String>getMap("partition-blocker")
                .submitToKey(bucketKey, new Blocker()).toCompletableFuture();
        assertThat(Blocker.running.await(20, TimeUnit.SECONDS)).as("the partition thread is held").isTrue();
        CompletableFuture<RateOutcome> onItsWay = consume(first, 1, maxWait);
        first.reconfigure(policy(new Rate(1, Duration.ofMinutes(1), 1), Duration.ofSeconds(10)));
        ((HazelcastPolicyLimiter) first).rebalanced().get(20, TimeUnit.SECONDS);
        Blocker.release.countDown();
        await(blocked);

        // under the old rate it would be due in 100 ms; under the new one in a minute, beyond its max-wait
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!onItsWay.isDone()) {
            assertThat(System.nanoTime()).as("the request is decided").isLessThan(deadline);
            time.advance(Duration.ofMillis(50));
            Thread.sleep(20);
        }
        RateOutcome outcome = await(onItsWay);
        assertThat(outcome.consumed()).as("not admitted at the old rate").isFalse();
        assertThat(outcome.reason()).isEqualTo(Reason.QUEUE_TIMEOUT);
        assertThat(await(first.state("k")).queued()).isZero();
    }

    /** Holds its partition's thread until released (members of this JVM only; no backup). */
    private static final class Blocker implements EntryProcessor<String, String, Object> {
        private static final long serialVersionUID = 1L;
        static volatile CountDownLatch running;
        static volatile CountDownLatch release;

        @Override
        public Object process(Map.Entry<String, String> entry) {
            running.countDown();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            return null;
        }

        @Override
        public EntryProcessor<String, String, Object> getBackupProcessor() {
            return null;
        }
    }
}
