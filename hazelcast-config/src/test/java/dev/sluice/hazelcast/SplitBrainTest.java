package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.cluster.Member;
import com.hazelcast.map.IMap;
import com.hazelcast.spi.merge.MergingValue;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Rate;
import dev.sluice.core.config.Scope;
import dev.sluice.core.spi.StoreUnavailableException;
import dev.sluice.core.spi.VersionedPolicy;
import dev.sluice.core.time.SystemScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a member does about splits: the majority rule, the merge policies on real values, and the policy store's
 * answers when its entry is lost or its member is cut off. The whole split, with separate JVMs and a cut network,
 * is {@code PartitionIT} in the sample.
 */
class SplitBrainTest {
    private TestCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Collection<Member> members(int count) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            members.add(null);
        }
        return members;
    }

    @Test
    void aViewHasTheMajorityWhileItHoldsMoreThanHalfOfTheLastViewThatHadIt() {
        LastSeenMajority rule = new LastSeenMajority();
        assertThat(rule.apply(members(1))).as("a first member alone").isTrue();
        assertThat(rule.apply(members(2))).isTrue();
        assertThat(rule.apply(members(3))).isTrue();
        assertThat(rule.apply(members(2))).as("two of three").isTrue();
        assertThat(rule.reference()).isEqualTo(2);
        assertThat(rule.apply(members(1))).as("one of the two left").isFalse();
        assertThat(rule.reference()).as("a minority does not lower the reference").isEqualTo(2);
        assertThat(rule.apply(members(2))).as("back to two").isTrue();
        assertThat(rule.apply(members(5))).isTrue();
        assertThat(rule.apply(members(2))).as("two of five").isFalse();
        assertThat(rule.apply(members(3))).as("three of five").isTrue();
    }

    @Test
    void badModesAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> SplitBrain.configure(new com.hazelcast.config.Config(), "most"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hazelcast option split-brain-protection must be majority, off or a whole number of "
                        + "members from 1, got 'most'");
        assertThatThrownBy(() -> SplitBrain.configure(new com.hazelcast.config.Config(), "0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got '0'");
    }

    /** A merging or existing value as Hazelcast hands it to a merge policy. */
    private record Value(Object value) implements MergingValue<Object> {
        @Override
        public Object getDeserializedValue() {
            return value;
        }

        @Override
        public Object getRawValue() {
            return value;
        }
    }

    @Test
    void theHigherPolicyRevisionWinsAMerge() {
        StoredPolicies older = new StoredPolicies();
        older.revision = 4;
        StoredPolicies newer = new StoredPolicies();
        newer.revision = 7;
        MergePolicies.HigherRevision policy = new MergePolicies.HigherRevision();
        assertThat(policy.merge(new Value(newer), new Value(older))).isSameAs(newer);
        assertThat(policy.merge(new Value(older), new Value(newer))).isSameAs(newer);
        assertThat(policy.merge(new Value(older), null)).isSameAs(older);
    }

    @Test
    void theBucketWithFewerTokensWinsAMerge() throws Exception {
        cluster = TestCluster.of(1);
        try (HazelcastCluster node = HazelcastCluster.over(cluster.members.get(0), new SystemScheduler(),
                TestCluster.PATIENT);
                Sluice sluice = Sluice.builder().cluster(node).policies(new PolicySet(List.of(Policy.builder("r")
                        .scope(Scope.CLUSTER).rate(new Rate(100, Duration.ofHours(1))).build()))).build()) {
            for (int i = 0; i < 30; i++) {
                sluice.tryAcquire("r", "spent", 1).get(10, TimeUnit.SECONDS);
            }
            sluice.tryAcquire("r", "fresh", 1).get(10, TimeUnit.SECONDS);
            IMap<String, byte[]> buckets = cluster.members.get(0).getMap(MapNames.BUCKETS);
            byte[] spent = valueOf(buckets, "spent");
            byte[] fresh = valueOf(buckets, "fresh");
            MergePolicies.FewerTokens policy = new MergePolicies.FewerTokens();
            assertThat(policy.merge(new Value(spent), new Value(fresh))).as("merging copy spent more").isSameAs(spent);
            assertThat(policy.merge(new Value(fresh), new Value(spent))).as("existing copy spent more")
                    .isSameAs(spent);
            assertThat(policy.merge(new Value(new byte[] {1, 2}), new Value(fresh))).as("an unreadable copy")
                    .isSameAs(fresh);
        }
    }

    private static byte[] valueOf(IMap<String, byte[]> buckets, String keySuffix) {
        for (String key : buckets.keySet()) {
            if (key.endsWith(keySuffix)) {
                return buckets.get(key);
            }
        }
        throw new AssertionError("no bucket for key " + keySuffix + " in " + buckets.keySet());
    }

    @Test
    void aSemaphoreMergeCountsEveryLiveLeaseOnce() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        long later = MergePolicies.nowNanos() + TimeUnit.MINUTES.toNanos(1);
        SemaphoreState existing = new SemaphoreState();
        existing.version = 2;
        existing.permits = 4;
        existing.leases.put(1L, new SemaphoreState.LeaseRecord(a, 1, later));
        existing.used = 1;
        SemaphoreState merging = new SemaphoreState();
        merging.version = 3;
        merging.permits = 5;
        merging.leases.put(1L, new SemaphoreState.LeaseRecord(a, 1, later));
        merging.leases.put(2L, new SemaphoreState.LeaseRecord(b, 2, later));
        merging.leases.put(3L, new SemaphoreState.LeaseRecord(b, 1, 10));
        merging.used = 4;
        Object merged = new MergePolicies.LeaseUnion().merge(new Value(merging), new Value(existing));
        assertThat(merged).isSameAs(existing);
        assertThat(existing.leases).containsOnlyKeys(1L, 2L);
        assertThat(existing.used).as("lease 1 once, lease 2, not the expired lease 3").isEqualTo(3);
        assertThat(existing.permits).as("the newer definition").isEqualTo(5);
    }

    @Test
    void aWriteThatFindsTheStoreLostSeedsItFirstAndKeepsEveryPolicy() {
        cluster = TestCluster.of(1);
        SplitBrain.awaitMajority(cluster.members.get(0), Duration.ofSeconds(30));
        HazelcastPolicyStore store = new HazelcastPolicyStore(cluster.members.get(0));
        List<List<VersionedPolicy>> heard = new CopyOnWriteArrayList<>();
        store.subscribe(heard::add);
        store.initialize(List.of(rate("a"), rate("b")));
        cluster.members.get(0).getMap(MapNames.POLICIES).delete(StoredPolicies.KEY);
        store.reconcile("a test");
        assertThat(heard).noneMatch(List::isEmpty);

        store.put(rate("c"), null);
        assertThat(store.list()).extracting(VersionedPolicy::name).containsExactly("a", "b", "c");
        assertThat(heard).as("no subscriber ever heard an empty set").noneMatch(List::isEmpty);
        store.close();
    }

    @Test
    void aMemberCutOffFromTheMajorityRefusesWritesAndAnswersTheSetItLastSaw() throws Exception {
        cluster = TestCluster.of(3);
        SplitBrain.awaitMajority(cluster.members.get(0), Duration.ofSeconds(30));
        HazelcastPolicyStore store = new HazelcastPolicyStore(cluster.members.get(0));
        store.initialize(List.of(rate("a"), rate("b")));
        cluster.members.get(1).getLifecycleService().terminate();
        cluster.members.get(2).getLifecycleService().terminate();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (SplitBrain.hasMajority(cluster.members.get(0)) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(SplitBrain.hasMajority(cluster.members.get(0))).isFalse();
        assertThatThrownBy(() -> store.put(rate("c"), null)).isInstanceOf(StoreUnavailableException.class)
                .hasMessage("Nothing was written: this node is cut off from the majority of the cluster; retry "
                        + "against another node.");
        assertThat(store.list()).extracting(VersionedPolicy::name).containsExactly("a", "b");
        store.close();
    }

    private static Policy rate(String name) {
        return Policy.builder(name).rate(new Rate(5, Duration.ofSeconds(1))).build();
    }
}
