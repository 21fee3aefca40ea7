package dev.sluice.boot;

import dev.sluice.core.spi.ClusterConnection;
import java.util.Map;

/**
 * A cluster connection over a cluster client or member the application already runs (a {@code HazelcastInstance}
 * bean), preferred over starting Sluice's own embedded member.
 */
@FunctionalInterface
public interface ExistingCluster {
    /**
     * Connects; the returned connection leaves the application's instance running when closed.
     *
     * @param options the provider's failure-handling options ({@code sluice.cluster.options}: {@code timeout},
     *                {@code breaker-*}); others are refused, the instance being the application's
     */
    ClusterConnection connect(Map<String, String> options);
}
