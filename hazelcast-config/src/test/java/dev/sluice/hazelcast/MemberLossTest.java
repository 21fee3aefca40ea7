package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.cluster.Member;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.spi.KeyState;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.testkit.ManualScheduler;
import dev.sluice.core.time.SystemScheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What happens to permits when their holder dies or stops renewing. */
class MemberLossTest {
    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(20, TimeUnit.SECONDS);
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void aTerminatedMembersLeasesAndWaitersAreDroppedAndOthersAreServed() throws Exception {
        cluster = TestCluster.of(3);
        loseMemberWhileItHoldsAndWaits("k");
    }

    @Test
    void anEntryOwnedByTheTerminatedMemberIsServedFromItsBackup() throws Exception {
        cluster = TestCluster.of(3);
        String key = null;
        for (int i = 0; key == null; i++) {
            Member owner = cluster.members.get(0).getPartitionService().getPartition("gate"
                    + MapNames.SEPARATOR + "k" + i).getOwner();
            if (owner.getUuid().equals(cluster.members.get(2).getLocalEndpoint().getUuid())) {
                key = "k" + i;
            }
        }
        loseMemberWhileItHoldsAndWaits(key);
    }

    /** Member 2 holds both permits of {@code key} and has a waiter; member 0 waits behind; member 2 dies. */
    private void loseMemberWhileItHoldsAndWaits(String key) throws Exception {
        Policy policy = Policy.builder("gate").concurrency(new Concurrency(2, Duration.ofMinutes(5)))
                .queue(new QueueLimit(10, Duration.ofMinutes(1))).build();
        try (SystemScheduler time = new SystemScheduler()) {
            HazelcastBackend survivor = new HazelcastBackend(cluster.members.get(0), time, TestCluster.PATIENT);
            HazelcastBackend doomed = new HazelcastBackend(cluster.members.get(2), time, TestCluster.PATIENT);
            PolicyLimiter kept = survivor.bind(policy);
            PolicyLimiter lost = doomed.bind(policy);
            long wait = Duration.ofMinutes(1).toNanos();
            PermitOutcome one = await(lost.acquire(key, 1, wait));
            PermitOutcome two = await(lost.acquire(key, 1, wait));
            assertThat(one.granted()).isTrue();
            assertThat(two.granted()).isTrue();
            CompletableFuture<PermitOutcome> doomedWaiter = lost.acquire(key, 1, wait);
            eventually("the doomed member's waiter is queued", () -> state(kept, key).queued() == 1);
            CompletableFuture<PermitOutcome> survivorWaiter = kept.acquire(key, 1, wait);
            eventually("the survivor's waiter is queued", () -> state(kept, key).queued() == 2);
            // each node has its answer: an answer still on its way to the doomed member fails with it
            eventually("the doomed member knows its waiter is in line", () -> lost.stats().queued() == 1);
            eventually("the survivor knows its waiter is in line", () -> kept.stats().queued() == 1);

            cluster.members.get(2).getLifecycleService().terminate();

            PermitOutcome granted = await(survivorWaiter);
            assertThat(granted.granted()).as("served once the dead member's leases are dropped").isTrue();
            assertThat(state(kept, key).permitsInUse()).isEqualTo(1);
            granted.lease().release();
            eventually("permits in use back to 0", () -> state(kept, key).permitsInUse() == 0);
            assertThat(state(kept, key).queued()).isZero();
            assertThat(doomedWaiter).as("the doomed member's waiter, in line before the death, is not failed by it")
                    .isNotCompletedExceptionally();
            survivor.close();
        }
    }

    private static KeyState state(PolicyLimiter limiter, String key) {
        try {
            return await(limiter.state(key));
        } catch (Exception failure) {
            throw new AssertionError(failure);
        }
    }

    @Test
    void heartbeatsKeepALeaseAliveAndAHolderThatStopsLosesIt() throws Exception {
        cluster = TestCluster.of(2);
        ManualScheduler time = new ManualScheduler();
        Policy policy = Policy.builder("leased").concurrency(new Concurrency(1, Duration.ofSeconds(3))).build();
        HazelcastBackend holderNode = new HazelcastBackend(cluster.members.get(0), time, TestCluster.PATIENT);
        HazelcastBackend otherNode = new HazelcastBackend(cluster.members.get(1), time, TestCluster.PATIENT);
        PolicyLimiter holder = holderNode.bind(policy);
        PolicyLimiter other = otherNode.bind(policy);
        assertThat(await(holder.acquire("k", 1, 0)).granted()).isTrue();
        for (int i = 0; i < 20; i++) {
            time.advance(Duration.ofMillis(500));
            Thread.sleep(20);
        }
        assertThat(await(other.acquire("k", 1, 0)).granted()).as("10 s later, renewed every second").isFalse();

        holderNode.close();
        time.advance(Duration.ofSeconds(4));
        PermitOutcome taken = await(other.acquire("k", 1, 0));
        assertThat(taken.granted()).as("the unrenewed lease expired").isTrue();
        taken.lease().release();
        otherNode.close();
    }
}
