package dev.sluice.filter;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Scope;
import dev.sluice.core.spi.ClusterConnection;
import jakarta.servlet.ServletContext;
import java.util.LinkedHashSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a configured {@link SluiceFilter} starts: the engine built from its settings and policy file, and the cluster
 * connection when a policy or the {@code hazelcast} setting asks for one. Start-up only; blocks while connecting.
 *
 * @param sluice  the engine
 * @param cluster the cluster connection, or null
 */
record FilterStartup(Sluice sluice, ClusterConnection cluster) {
    /** Logged as the filter, as before this moved out of it. */
    private static final Logger LOG = LoggerFactory.getLogger(SluiceFilter.class);

    /**
     * @throws IllegalArgumentException naming a bad setting
     * @throws IllegalStateException    when the cluster is needed but cannot be reached
     * @throws dev.sluice.core.config.ConfigException naming a bad policy field; nothing is left running
     */
    static FilterStartup start(FilterSettings settings, ServletContext context, ClassLoader loader) {
        PolicySet policies = PolicyFiles.load(settings.config(), settings.configSource(), context, loader);
        LinkedHashSet<String> proxies = new LinkedHashSet<>(policies.trustedProxies());
        proxies.addAll(settings.trustedProxies());
        String clusterReason = clusterReason(settings, policies);
        ClusterConnection connection = clusterReason == null ? null
                : Clusters.connect(settings.clusterSettings(), loader, clusterReason);
        try {
            Sluice built = Sluice.builder()
                    .policies(policies)
                    .source(settings.config())
                    .trustedProxies(List.copyOf(proxies))
                    .cluster(connection)
                    .decisionTrace(settings.trace())
                    .build();
            LOG.info("SluiceFilter started with {} policies from {} ({}){}", policies.policies().size(),
                    settings.config(), settings.configSource(),
                    proxies.isEmpty() ? "" : ", trusting forwarding headers from " + proxies);
            return new FilterStartup(built, connection);
        } catch (RuntimeException failure) {
            if (connection != null) {
                connection.close();
            }
            throw failure;
        }
    }

    private static String clusterReason(FilterSettings settings, PolicySet policies) {
        if (settings.hazelcast() != null) {
            return "the hazelcast setting";
        }
        for (Policy policy : policies.policies()) {
            if (policy.scope() == Scope.CLUSTER) {
                return "policy '" + policy.name() + "' (scope: cluster)";
            }
        }
        return null;
    }
}
