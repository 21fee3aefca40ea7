package dev.sluice.boot;

import com.hazelcast.core.HazelcastInstance;
import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.ClusterConnection;
import dev.sluice.core.spi.PolicyStore;
import dev.sluice.core.time.SystemScheduler;
import dev.sluice.hazelcast.HazelcastCluster;
import java.util.Map;

/**
 * Sluice's cluster over the application's own {@link HazelcastInstance}, with a timer of its own. Closing it stops
 * the timer and Sluice's use of the instance, not the instance. Every member needs Sluice's jars on its class path,
 * as for any cluster Sluice uses ({@link dev.sluice.hazelcast.SluiceSerialization}).
 */
public final class HazelcastInstanceCluster implements ClusterConnection {
    private final SystemScheduler scheduler = new SystemScheduler();
    private final HazelcastCluster cluster;

    public HazelcastInstanceCluster(HazelcastInstance instance, Map<String, String> options) {
        try {
            this.cluster = HazelcastCluster.over(instance, scheduler, options);
        } catch (RuntimeException failure) {
            scheduler.close();
            throw failure;
        }
    }

    public HazelcastInstance instance() {
        return cluster.instance();
    }

    @Override
    public Backend backend() {
        return cluster.backend();
    }

    @Override
    public PolicyStore policyStore() {
        return cluster.policyStore();
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } finally {
            scheduler.close();
        }
    }
}
