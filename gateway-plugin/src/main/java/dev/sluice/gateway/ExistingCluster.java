package dev.sluice.gateway;

import dev.sluice.core.spi.ClusterConnection;

/**
 * A cluster connection over a cluster client or member the application already runs (a {@code HazelcastInstance}
 * bean), preferred over starting Sluice's own embedded member.
 */
@FunctionalInterface
interface ExistingCluster {
    /** Connects; the returned connection leaves the application's instance running when closed. */
    ClusterConnection connect();
}
