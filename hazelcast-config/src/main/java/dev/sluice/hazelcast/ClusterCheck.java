package dev.sluice.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.partition.Partition;
import com.hazelcast.partition.PartitionService;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.grid.hazelcast.Bucket4jHazelcast;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Checks that every member of a cluster can run what Sluice sends it: each of Sluice's entry processors, its member
 * task and one of Bucket4j's processors, on a key that member owns, in forms that change nothing (a refused acquire
 * on an absent entry, a release of no lease, a conditional write whose condition fails...). A member without
 * sluice-hazelcast (and Bucket4j) on its class path, whose hooks register Sluice's serializers
 * ({@link SluiceSerialization}), fails here, at start-up, with a message saying what to do, instead of failing every
 * cluster-scope request later.
 */
final class ClusterCheck {
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String PROBE = "sluice-start-up-check-";
    private static final int MAX_PROBES = 100_000;
    private static final java.util.UUID PROBE_HOLDER = new java.util.UUID(0, 0);
    /** A key prefix no Sluice key has: policy names start with a letter or digit. */
    private static final String NO_KEY = "\u0000";

    private ClusterCheck() {}

    /**
     * @throws IllegalStateException naming the members that cannot run Sluice's processors, the cause, and the fix
     */
    static void verify(HazelcastInstance instance) {
        List<Member> members = new ArrayList<>(instance.getCluster().getMembers());
        List<String> failures = new ArrayList<>();
        for (Member member : members) {
            String failure = check(instance, member);
            if (failure != null) {
                failures.add(member.getAddress() + " (" + failure + ")");
            }
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("Hazelcast member(s) " + String.join(", ", failures) + " cannot run "
                    + "Sluice's entry processors. Every member of a cluster Sluice uses needs Sluice's member jar "
                    + "(dev.sluice:sluice-hazelcast:<version>:member, or sluice-hazelcast, sluice-core and Bucket4j's "
                    + "bucket4j_jdk17-core and bucket4j_jdk17-hazelcast) on its class path: Hazelcast then registers "
                    + "Sluice's serializers by itself (a member that cannot find the jars' hooks, for instance in "
                    + "another class loader, needs dev.sluice.hazelcast.SluiceSerialization.register(config"
                    + ".getSerializationConfig()) before it starts); see sluice-hazelcast's README-hazelcast.md, "
                    + "'Preparing the members of an external cluster'.");
        }
    }

    /** Checks one member; returns what went wrong, or null. */
    static String check(HazelcastInstance instance, Member member) {
        String key = keyOwnedBy(instance.getPartitionService(), member);
        if (key == null) {
            return null;
        }
        ClusterCalls calls = new ClusterCalls(instance);
        IMap<String, SemaphoreState> semaphores = instance.getMap(MapNames.SEMAPHORES);
        IMap<String, StoredPolicies> policies = instance.getMap(MapNames.POLICIES);
        IMap<String, byte[]> bucketMap = instance.getMap(MapNames.BUCKETS);
        AsyncProxyManager<String> buckets = Bucket4jHazelcast.entryProcessorBasedBuilder(bucketMap).build()
                .asAsync();
        SemaphoreOps.Caller caller = SemaphoreOps.Caller.at(0);
        Definition nothing = new Definition(0, 0, 0, 0);
        List<CompletableFuture<?>> probes = List.of(
                calls.onKey(semaphores, key, new SemaphoreOps.Read(caller)),
                calls.onKey(semaphores, key, new SemaphoreOps.Acquire(0, PROBE_HOLDER, 1, nothing, 0, Flow.FIFO,
                        caller)),
                calls.onKey(semaphores, key, new SemaphoreOps.Release(0, caller)),
                calls.onKey(semaphores, key, new SemaphoreOps.Leave(0, caller)),
                calls.onKey(semaphores, key, new SemaphoreOps.Renew(new long[0], caller)),
                calls.onKey(semaphores, key, new SemaphoreOps.Sweep(caller)),
                calls.onKey(semaphores, key, new SemaphoreOps.Reconfigure(nothing, caller)),
                calls.onKey(semaphores, key, new SemaphoreOps.Poll(0, caller)),
                calls.onKey(semaphores, key, new SemaphoreOps.RefuseWaiters(caller)),
                calls.onMember(new SemaphoreOps.OnLocalEntries(NO_KEY, new SemaphoreOps.Sweep(caller)), member),
                calls.onKey(policies, key, new StoredPolicies.Initialize(List.of())).thenCompose(ignored ->
                        calls.onKey(policies, key, new StoredPolicies.Write(NO_KEY, null, -1L))),
                calls.bucket(() -> buckets.getProxyConfiguration(key)));
        try {
            ClusterCalls.await(CompletableFuture.allOf(probes.toArray(CompletableFuture[]::new)), TIMEOUT,
                    "checking member " + member.getAddress());
            return null;
        } catch (RuntimeException failure) {
            return rootCause(failure);
        } finally {
            policies.removeAsync(key);
        }
    }

    /** A probe key whose partition {@code member} owns, or null when it owns none (yet). */
    private static String keyOwnedBy(PartitionService partitions, Member member) {
        for (int i = 0; i < MAX_PROBES; i++) {
            Partition partition = partitions.getPartition(PROBE + i);
            Member owner = partition.getOwner();
            if (owner != null && owner.getUuid().equals(member.getUuid())) {
                return PROBE + i;
            }
        }
        return null;
    }

    private static String rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message.lines().findFirst()
                .orElse(""));
    }
}
