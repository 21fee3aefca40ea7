package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.spi.KeyState;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.testkit.ManualScheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A waiter whose grant notice is lost is still served, by its node's safety poll. */
class LostNoticeTest {
    private TestCluster cluster;
    private ManualScheduler time;
    private HazelcastBackend holderNode;
    private HazelcastBackend waiterNode;

    @BeforeEach
    void start() {
        cluster = TestCluster.of(2);
        time = new ManualScheduler();
        holderNode = new HazelcastBackend(cluster.members.get(0), time, TestCluster.PATIENT);
        waiterNode = new HazelcastBackend(cluster.members.get(1), time, TestCluster.PATIENT);
    }

    @AfterEach
    void stop() {
        holderNode.close();
        waiterNode.close();
        cluster.close();
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(20, TimeUnit.SECONDS);
    }

    private static void eventually(String what, PolicyLimiter limiter, java.util.function.Predicate<KeyState> test)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!test.test(await(limiter.state("k")))) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void aWaiterWhoseNoticeIsLostIsServedByTheSafetyPoll() throws Exception {
        Policy policy = Policy.builder("lossy").concurrency(new Concurrency(1, Duration.ofMinutes(1)))
                .queue(new QueueLimit(5, Duration.ofMinutes(1))).build();
        PolicyLimiter holder = holderNode.bind(policy);
        PolicyLimiter waiter = waiterNode.bind(policy);
        PermitOutcome held = await(holder.acquire("k", 1, 0));
        CompletableFuture<PermitOutcome> waiting = waiter.acquire("k", 1, Duration.ofMinutes(1).toNanos());
        eventually("queued", holder, state -> state.queued() == 1);

        // the waiter's node stops hearing its notices: its topic (and the listener on it) is gone
        cluster.members.get(0).getTopic(NoticeTopics.PREFIX
                + cluster.members.get(1).getLocalEndpoint().getUuid()).destroy();
        held.lease().release();
        eventually("granted in the cluster", holder, state -> state.queued() == 0 && state.permitsInUse() == 1);
        assertThat(waiting).as("the notice was lost").isNotDone();

        time.advance(Duration.ofSeconds(SafetyPoll.POLL_SECONDS));
        PermitOutcome granted = await(waiting);
        assertThat(granted.granted()).isTrue();
        assertThat(granted.waitedNanos()).isEqualTo(Duration.ofSeconds(SafetyPoll.POLL_SECONDS).toNanos());
        granted.lease().release();
        eventually("released", holder, state -> state.permitsInUse() == 0);
    }
}
