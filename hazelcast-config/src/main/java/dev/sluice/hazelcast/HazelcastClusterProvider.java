package dev.sluice.hazelcast;

import dev.sluice.core.spi.ClusterConnection;
import dev.sluice.core.spi.ClusterProvider;
import dev.sluice.core.spi.ClusterSettings;

/** The {@code hazelcast} cluster provider, found by the servlet filter through {@link java.util.ServiceLoader}. */
public final class HazelcastClusterProvider implements ClusterProvider {
    @Override
    public String name() {
        return "hazelcast";
    }

    @Override
    public ClusterConnection connect(ClusterSettings settings) {
        return HazelcastCluster.start(settings);
    }
}
