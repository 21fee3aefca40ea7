package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Reason;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.KeyExpression;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Scope;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.time.SystemScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fair concurrency queue of cluster scope, used from two members: the line lives in the semaphore entry, so the
 * flows take turns by weight whichever member their waiters came through, and a full flow is refused while another
 * still joins. Grants are observed one release at a time (one permit), so the order is asserted, never a time.
 */
class ClusterFairQueueTest {
    private static final long WAIT = Duration.ofMinutes(1).toNanos();
    private static final int FLOOD = 6;
    private TestCluster cluster;
    private SystemScheduler time;
    private final List<HazelcastBackend> backends = new ArrayList<>();
    private final List<PolicyLimiter> limiters = new ArrayList<>();

    @BeforeEach
    void start() {
        cluster = TestCluster.of(2);
        time = new SystemScheduler();
        for (int i = 0; i < 2; i++) {
            backends.add(new HazelcastBackend(cluster.members.get(i), time, TestCluster.PATIENT));
        }
    }

    @AfterEach
    void stop() {
        backends.forEach(HazelcastBackend::close);
        time.close();
        cluster.close();
    }

    private void bind(Map<String, Integer> weights, int flowDepth) {
        QueueLimit queue = new QueueLimit(20, Duration.ofMinutes(1), KeyExpression.parse("header:X-Tenant"),
                weights, 1, flowDepth);
        Policy policy = Policy.builder("shared").scope(Scope.CLUSTER)
                .concurrency(new Concurrency(1, Duration.ofMinutes(1))).queue(queue).build();
        for (HazelcastBackend backend : backends) {
            limiters.add(backend.bind(policy));
        }
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

    /** Joins the line through member {@code member} and waits until the entry holds it, so arrivals are ordered. */
    private CompletableFuture<PermitOutcome> join(int member, String flow) throws InterruptedException {
        long before = queued();
        CompletableFuture<PermitOutcome> waiter = limiters.get(member).acquire("k", 1, WAIT, flow);
        eventually(flow + " queued", () -> queued() == before + 1);
        return waiter;
    }

    /**
     * The flood queues first, through both members, then the light tenant through both; each release admits one
     * waiter. Returns the flows in the order they were admitted.
     */
    private List<String> admissionOrder() throws Exception {
        PermitOutcome holder = await(limiters.get(0).acquire("k", 1, WAIT, "flood"));
        assertThat(holder.granted()).isTrue();
        List<CompletableFuture<PermitOutcome>> waiters = new ArrayList<>();
        List<String> flows = new ArrayList<>();
        for (int i = 0; i < FLOOD; i++) {
            waiters.add(join(i % 2, "flood"));
            flows.add("flood");
        }
        for (int i = 0; i < 2; i++) {
            waiters.add(join(1 - i, "light"));
            flows.add("light");
        }
        List<String> order = new ArrayList<>();
        List<Integer> admitted = new ArrayList<>();
        PermitOutcome current = holder;
        for (int round = 0; round < waiters.size(); round++) {
            current.lease().release();
            int expected = round + 1;
            eventually("one more admitted", () -> waiters.stream().filter(CompletableFuture::isDone).count()
                    >= expected);
            assertThat(waiters.stream().filter(CompletableFuture::isDone).count())
                    .as("one permit: one admitted per release").isEqualTo(expected);
            for (int i = 0; i < waiters.size(); i++) {
                if (waiters.get(i).isDone() && !admitted.contains(i)) {
                    admitted.add(i);
                    order.add(flows.get(i));
                    current = await(waiters.get(i));
                    assertThat(current.granted()).isTrue();
                }
            }
        }
        current.lease().release();
        List<Integer> flood = admitted.stream().filter(i -> flows.get(i).equals("flood")).toList();
        assertThat(flood).as("first in first out within the flood").isSorted();
        return order;
    }

    @Test
    void equalWeightsLetTheLightFlowInBetweenTheFlood() throws Exception {
        bind(Map.of(), 20);
        List<String> order = admissionOrder();
        // tags: flood 1..6, light 1 and 2 (it starts at the line's virtual time, not behind the flood)
        assertThat(order).containsExactly("flood", "light", "flood", "light", "flood", "flood", "flood", "flood");
    }

    @Test
    void aHeavierLightFlowGoesAheadOfTheFlood() throws Exception {
        bind(Map.of("light", 4), 20);
        List<String> order = admissionOrder();
        // tags: light 0.25 and 0.5, flood 1..6
        assertThat(order).containsExactly("light", "light", "flood", "flood", "flood", "flood", "flood", "flood");
    }

    @Test
    void aFullFlowIsRefusedWhileAnotherStillQueues() throws Exception {
        bind(Map.of(), 3);
        PermitOutcome holder = await(limiters.get(0).acquire("k", 1, WAIT, "flood"));
        List<CompletableFuture<PermitOutcome>> flood = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            flood.add(join(i % 2, "flood"));
        }
        for (int member = 0; member < 2; member++) {
            PermitOutcome refused = await(limiters.get(member).acquire("k", 1, WAIT, "flood"));
            assertThat(refused.granted()).isFalse();
            assertThat(refused.reason()).isEqualTo(Reason.QUEUE_FULL);
        }
        CompletableFuture<PermitOutcome> light = join(1, "light");
        assertThat(light).isNotDone();
        assertThat(queued()).isEqualTo(4);

        holder.lease().release();
        PermitOutcome first = await(flood.get(0));
        assertThat(first.granted()).isTrue();
        first.lease().release();
        PermitOutcome second = await(light);
        assertThat(second.granted()).as("the light flow's tag (1) comes before the flood's second (2)").isTrue();
        assertThat(flood.get(1)).isNotDone();
        second.lease().release();
        for (int i = 1; i < 3; i++) {
            PermitOutcome next = await(flood.get(i));
            assertThat(next.granted()).isTrue();
            next.lease().release();
        }
    }
}
