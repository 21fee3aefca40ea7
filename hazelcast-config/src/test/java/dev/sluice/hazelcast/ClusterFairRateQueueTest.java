package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fair rate queue of cluster scope, used from two members: the line lives in the cluster ({@link RateLine}), so
 * the flows take turns by weight whichever member their waiters came through, though every waiter reserved its
 * tokens at the end of the bucket's deficit. One token a second; the manual clock (shared by both nodes) moves a
 * second at a time, so exactly one turn falls due per step and the order of admission is asserted, never a time.
 */
class ClusterFairRateQueueTest {
    private static final long MINUTE = Duration.ofMinutes(1).toNanos();
    private TestCluster cluster;
    private ManualScheduler time;
    private final List<HazelcastBackend> backends = new ArrayList<>();
    private final List<PolicyLimiter> limiters = new ArrayList<>();
    private final List<CompletableFuture<RateOutcome>> waiting = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private long maxWait;

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

    private void bind(Map<String, Integer> weights, int flowDepth, Duration queueMaxWait) throws Exception {
        maxWait = queueMaxWait.toNanos();
        QueueLimit queue = new QueueLimit(20, queueMaxWait, KeyExpression.parse("header:X-Tenant"), weights, 1,
                flowDepth);
        Policy policy = Policy.builder("shared").scope(Scope.CLUSTER).rate(new Rate(1, Duration.ofSeconds(1), 1))
                .queue(queue).build();
        for (HazelcastBackend backend : backends) {
            limiters.add(backend.bind(policy));
        }
        assertThat(await(limiters.get(0).consume("k", 1, MINUTE, "heavy")).consumed()).isTrue();
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(20, TimeUnit.SECONDS);
    }

    private long queued() throws Exception {
        return await(limiters.get(0).state("k")).queued() + await(limiters.get(1).state("k")).queued();
    }

    /** How many wait in the key's line in the cluster. */
    private int inLine() {
        RateLine line = cluster.members.get(0).<String, RateLine>getMap(MapNames.RATE_LINES)
                .get("shared" + MapNames.SEPARATOR + "k");
        return line == null ? 0 : line.waiters.size();
    }

    /**
     * Queues {@code name} of {@code flow} through {@code member} and waits until the line holds it, so arrivals are
     * ordered.
     */
    private CompletableFuture<RateOutcome> join(int member, String flow, String name) throws Exception {
        int before = inLine();
        CompletableFuture<RateOutcome> waiter = limiters.get(member).consume("k", 1, maxWait, flow);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (inLine() != before + 1 && !waiter.isDone()) {
            assertThat(System.nanoTime()).as(name + " queued").isLessThan(deadline);
            Thread.sleep(5);
        }
        waiting.add(waiter);
        names.add(name);
        return waiter;
    }

    /** Moves the clock a second at a time until every waiter is admitted; the names in the order admitted. */
    private List<String> admissionOrder() throws Exception {
        List<String> order = new ArrayList<>();
        for (int step = 0; step < waiting.size(); step++) {
            time.advance(Duration.ofSeconds(1));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (order.size() < step + 1) {
                assertThat(System.nanoTime()).as("one more admitted").isLessThan(deadline);
                time.runDue();   // a turn the line answered after the clock had passed it
                for (int i = 0; i < waiting.size(); i++) {
                    if (waiting.get(i).isDone() && !order.contains(names.get(i))) {
                        assertThat(await(waiting.get(i)).consumed()).as(names.get(i)).isTrue();
                        order.add(names.get(i));
                    }
                }
                Thread.sleep(5);
            }
            assertThat(order).as("one token a second: one admitted per step").hasSize(step + 1);
        }
        return order;
    }

    @Test
    void equalWeightsLetTheLightFlowsInBetweenTheFloodAcrossMembers() throws Exception {
        bind(Map.of(), 20, Duration.ofMinutes(1));
        for (int i = 1; i <= 6; i++) {
            join(i % 2, "heavy", "h" + i);
        }
        join(1, "light", "l1");
        join(0, "other", "o1");
        join(0, "light", "l2");

        // each flow's n-th request has the same turn (ties by arrival); first in first out within a flow
        assertThat(admissionOrder()).containsExactly("h1", "l1", "o1", "h2", "l2", "h3", "h4", "h5", "h6");
    }

    @Test
    void aHeavierWeightGetsMoreTurns() throws Exception {
        bind(Map.of("gold", 4), 20, Duration.ofMinutes(1));
        for (int i = 1; i <= 3; i++) {
            join(i % 2, "heavy", "h" + i);
        }
        for (int i = 1; i <= 5; i++) {
            join(1 - i % 2, "gold", "g" + i);
        }

        assertThat(admissionOrder()).containsExactly("g1", "g2", "g3", "h1", "g4", "g5", "h2", "h3");
    }

    @Test
    void aFullFlowIsRefusedWhileOthersStillQueueAndItsTokensGoBack() throws Exception {
        bind(Map.of(), 3, Duration.ofMinutes(1));
        for (int i = 1; i <= 3; i++) {
            join(i % 2, "heavy", "h" + i);
        }
        for (int member = 0; member < 2; member++) {
            RateOutcome refused = await(limiters.get(member).consume("k", 1, MINUTE, "heavy"));
            assertThat(refused.consumed()).isFalse();
            assertThat(refused.reason()).isEqualTo(Reason.QUEUE_FULL);
            assertThat(refused.nanosToRetry()).as("when the flow's first waiter leaves").isEqualTo(1_000_000_000L);
        }
        join(1, "light", "l1");

        assertThat(admissionOrder()).containsExactly("h1", "l1", "h2", "h3");
        time.advance(Duration.ofSeconds(1));
        assertThat(await(limiters.get(1).consume("k", 1, 0, "light")).consumed())
                .as("the refused requests' tokens went back: the next second's token is there").isTrue();
    }

    @Test
    void aWaiterPushedBeyondItsMaxWaitIsRefusedWhenItsTurnComesAndACancelledOneLeavesTheLine() throws Exception {
        bind(Map.of(), 20, Duration.ofSeconds(3));
        CompletableFuture<RateOutcome> h1 = join(0, "heavy", "h1");
        CompletableFuture<RateOutcome> h2 = join(1, "heavy", "h2");
        CompletableFuture<RateOutcome> h3 = join(0, "heavy", "h3");
        CompletableFuture<RateOutcome> cancelled = join(1, "other", "x1");
        cancelled.cancel(false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (inLine() != 3) {
            assertThat(System.nanoTime()).as("x1 leaves the line").isLessThan(deadline);
            Thread.sleep(5);
        }
        CompletableFuture<RateOutcome> l1 = join(1, "light", "l1");

        // x1 left; l1 takes the second token, so h2 moves to 3 s and h3 to 4 s, beyond its 3 s
        time.advance(Duration.ofSeconds(1));
        assertThat(await(h1).consumed()).isTrue();
        time.advance(Duration.ofSeconds(1));
        assertThat(await(l1).consumed()).isTrue();
        time.advance(Duration.ofSeconds(1));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!h2.isDone() || !h3.isDone()) {
            assertThat(System.nanoTime()).as("h2 and h3 answered").isLessThan(deadline);
            time.runDue();   // a turn the line answered after the clock had passed it
            Thread.sleep(5);
        }
        assertThat(await(h2).consumed()).isTrue();
        RateOutcome pushedOut = await(h3);
        assertThat(pushedOut.consumed()).isFalse();
        assertThat(pushedOut.reason()).isEqualTo(Reason.QUEUE_TIMEOUT);
        assertThat(queued()).isZero();
        assertThat(inLine()).isZero();
    }
}
