package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Rate;
import dev.sluice.core.spi.VersionConflictException;
import dev.sluice.core.spi.VersionedPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class HazelcastPolicyStoreTest {
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastPolicyStoreTest.class);
    private TestCluster cluster;

    @BeforeEach
    void start() {
        cluster = TestCluster.of(2);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static Policy rate(String name, long limit) {
        return Policy.builder(name).rate(new Rate(limit, Duration.ofSeconds(1))).build();
    }

    @Test
    void theFirstNodeSeedsAndLaterNodesFollowTheCluster() {
        HazelcastPolicyStore first = new HazelcastPolicyStore(cluster.members.get(0));
        HazelcastPolicyStore second = new HazelcastPolicyStore(cluster.members.get(1));
        assertThat(first.initialize(List.of(rate("a", 1), rate("b", 2)))).extracting(VersionedPolicy::name)
                .containsExactly("a", "b");
        assertThat(second.initialize(List.of(rate("other", 9)))).extracting(VersionedPolicy::name)
                .as("a joining node adopts the cluster's set").containsExactly("a", "b");
    }

    @Test
    void aChangeOnOneNodeReachesTheOthersEngines() throws Exception {
        try (HazelcastCluster one = HazelcastCluster.over(cluster.members.get(0), new dev.sluice.core.time.SystemScheduler());
                HazelcastCluster two = HazelcastCluster.over(cluster.members.get(1),
                        new dev.sluice.core.time.SystemScheduler());
                Sluice first = Sluice.builder().cluster(one).policies(new PolicySet(List.of(rate("api", 5)))).build();
                Sluice second = Sluice.builder().cluster(two).policies(new PolicySet(List.of())).build()) {
            assertThat(second.policies()).extracting(VersionedPolicy::name).containsExactly("api");
            AtomicLong seenAt = new AtomicLong();
            CountDownLatch seen = new CountDownLatch(1);
            two.policyStore().subscribe(list -> {
                if (list.stream().anyMatch(p -> p.policy().rate().limit() == 50)) {
                    seenAt.set(System.nanoTime());
                    seen.countDown();
                }
            });
            VersionedPolicy current = first.policyStore().get("api").orElseThrow();
            long writing = System.nanoTime();
            first.policyStore().put(rate("api", 50), current.version());
            long written = System.nanoTime();
            assertThat(seen.await(10, TimeUnit.SECONDS)).isTrue();
            LOG.info("A policy change reached the other node's subscriber {} µs after the write began ({} µs after "
                    + "it returned; the write took {} µs)", (seenAt.get() - writing) / 1000,
                    (seenAt.get() - written) / 1000, (written - writing) / 1000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (second.policies().get(0).policy().rate().limit() != 50 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(second.policies().get(0).policy().rate().limit()).isEqualTo(50);
        }
    }

    @Test
    void conditionalWritesFromSeveralNodesHaveOneWinner() throws Exception {
        HazelcastPolicyStore first = new HazelcastPolicyStore(cluster.members.get(0));
        HazelcastPolicyStore second = new HazelcastPolicyStore(cluster.members.get(1));
        long version = first.initialize(List.of(rate("api", 1))).get(0).version();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> outcomes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            HazelcastPolicyStore store = i % 2 == 0 ? first : second;
            long limit = 10 + i;
            outcomes.add(pool.submit(() -> {
                go.await();
                try {
                    store.put(rate("api", limit), version);
                    return true;
                } catch (VersionConflictException conflict) {
                    return false;
                }
            }));
        }
        go.countDown();
        int wins = 0;
        for (Future<Boolean> outcome : outcomes) {
            wins += outcome.get(20, TimeUnit.SECONDS) ? 1 : 0;
        }
        pool.shutdown();
        assertThat(wins).isEqualTo(1);
        assertThat(second.get("api").orElseThrow().version()).isGreaterThan(version);
    }

    @Test
    void versionsOnlyGrowAndDeletesAreConditionalToo() {
        HazelcastPolicyStore store = new HazelcastPolicyStore(cluster.members.get(0));
        store.initialize(List.of());
        long created = store.put(rate("a", 1), 0L).version();
        assertThatThrownBy(() -> store.put(rate("a", 2), 0L)).isInstanceOf(VersionConflictException.class);
        assertThatThrownBy(() -> store.delete("a", created + 5)).isInstanceOf(VersionConflictException.class);
        assertThat(store.delete("a", created)).isPresent();
        long again = store.put(rate("a", 3), 0L).version();
        assertThat(again).isGreaterThan(created);
        assertThat(store.delete("missing", null)).isEmpty();
    }

    @Test
    void backendsLearnTheVersionOfEveryDefinitionTheStoreHandsOut() throws Exception {
        HazelcastPolicyStore first = new HazelcastPolicyStore(cluster.members.get(0));
        HazelcastPolicyStore second = new HazelcastPolicyStore(cluster.members.get(1));
        VersionedPolicy seeded = first.initialize(List.of(rate("api", 1))).get(0);
        assertThat(first.versionOf(seeded.policy())).hasValue(seeded.version());

        // The second store may still hear the seeding first; wait for the notice that carries the new definition.
        Policy next = rate("api", 2);
        java.util.concurrent.atomic.AtomicReference<VersionedPolicy> heard = new java.util.concurrent.atomic
                .AtomicReference<>();
        CountDownLatch changed = new CountDownLatch(1);
        second.subscribe(list -> {
            if (!list.isEmpty() && list.get(0).policy().equals(next)) {
                heard.set(list.get(0));
                changed.countDown();
            }
        });
        VersionedPolicy written = first.put(next, seeded.version());
        assertThat(first.versionOf(next)).hasValue(written.version());
        assertThat(changed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(second.versionOf(heard.get().policy())).as("the instance the other node's engine applies")
                .hasValue(written.version());
        assertThat(second.versionOf(rate("api", 2))).as("an equal definition from elsewhere is not known")
                .isEmpty();
    }
}
