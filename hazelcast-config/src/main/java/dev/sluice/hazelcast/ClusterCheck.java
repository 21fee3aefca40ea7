package dev.sluice.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.util.concurrent.TimeUnit;

/**
 * Checks at start-up that the members of a cluster joined as a client can run Sluice's entry processors: without
 * sluice-hazelcast on their class path they cannot, and every limit would fail at the first request instead.
 */
final class ClusterCheck {
    private ClusterCheck() {}

    static void verify(HazelcastInstance instance) {
        IMap<String, SemaphoreState> map = instance.getMap(HazelcastBackend.SEMAPHORES);
        try {
            map.submitToKey("sluice-start-up-check", new SemaphoreOps.Read()).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception failure) {
            throw new IllegalStateException("The Hazelcast cluster cannot run Sluice's entry processors ("
                    + rootCause(failure) + "). Every member needs dev.sluice:sluice-hazelcast (and Bucket4j's "
                    + "bucket4j_jdk17-hazelcast) on its class path, and HazelcastCluster.registerSerializers applied "
                    + "to its configuration.", failure);
        }
    }

    private static String rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.toString();
    }
}
