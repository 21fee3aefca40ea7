package dev.sluice.filter;

import dev.sluice.core.spi.ClusterConnection;
import dev.sluice.core.spi.ClusterProvider;
import dev.sluice.core.spi.ClusterProviders;
import dev.sluice.core.spi.ClusterSettings;

/**
 * Finds the cluster provider with {@link ClusterProviders} and connects it. Start-up only; blocks while connecting.
 */
final class Clusters {
    static final String PROVIDER = ClusterProviders.DEFAULT;

    private Clusters() {}

    /**
     * @param why what asked for the cluster, for the message when there is no provider
     * @throws IllegalStateException when no provider named {@value #PROVIDER} is on the class path, or the
     *                               provider cannot connect
     * @throws IllegalArgumentException when the provider refuses the settings
     */
    static ClusterConnection connect(ClusterSettings settings, ClassLoader loader, String why) {
        ClusterProvider provider = ClusterProviders.find(PROVIDER, loader).orElseThrow(() ->
                new IllegalStateException(why + " needs a cluster, but no cluster provider named '" + PROVIDER
                        + "' is on the web application's class path: add dev.sluice:sluice-hazelcast to the "
                        + "application (WEB-INF/lib)"));
        return provider.connect(settings);
    }
}
