package dev.sluice.boot;

import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.ClusterConnection;
import dev.sluice.core.spi.ClusterEnvironment;
import dev.sluice.core.spi.ClusterProvider;
import dev.sluice.core.spi.ClusterProviders;
import dev.sluice.core.spi.ClusterSettings;
import java.util.Map;
import java.util.ServiceConfigurationError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;

/**
 * The cluster connection Sluice uses for {@code scope: cluster} policies, or none. Connected at start-up (blocking,
 * on the thread creating the bean) when a start-up policy has cluster scope or {@code sluice.cluster.enabled=true}:
 * over the application's {@code HazelcastInstance} bean when it has one, else through the provider found with
 * {@link ClusterProviders} ({@code dev.sluice:sluice-hazelcast} on the class path), which starts the embedded default
 * member (or a client) from {@code sluice.cluster.*}. Closing it leaves the cluster (an application's own instance
 * keeps running).
 */
public final class SluiceCluster implements AutoCloseable {
    static final String PROVIDER = ClusterProviders.DEFAULT;
    private static final Logger LOG = LoggerFactory.getLogger(SluiceCluster.class);

    private final ClusterConnection connection;

    private SluiceCluster(ClusterConnection connection) {
        this.connection = connection;
    }

    static SluiceCluster none() {
        return new SluiceCluster(null);
    }

    /**
     * @throws IllegalStateException when a cluster is needed and no provider is on the class path, or it cannot
     *                               connect
     * @throws IllegalArgumentException naming a bad setting
     */
    static SluiceCluster connectIfNeeded(SluiceProperties.Cluster settings, SluicePolicies policies,
            Environment environment, ClassLoader loader, ExistingCluster existing) {
        Policy clustered = policies.firstClusterScoped();
        if (Boolean.FALSE.equals(settings.getEnabled())) {
            if (clustered != null) {
                throw new IllegalStateException("policy '" + clustered.name() + "' has scope: cluster, but "
                        + "sluice.cluster.enabled is false");
            }
            return none();
        }
        if (clustered == null && !Boolean.TRUE.equals(settings.getEnabled())) {
            return none();
        }
        String why = clustered != null ? "policy '" + clustered.name() + "' (scope: cluster)"
                : "sluice.cluster.enabled=true";
        if (existing != null) {
            LOG.info("Sluice uses the application's Hazelcast instance for {}", why);
            return new SluiceCluster(existing.connect(settings.getOptions() == null ? Map.of()
                    : settings.getOptions()));
        }
        ClusterSettings resolved = settings(settings, environment);
        try {
            ClusterProvider provider = ClusterProviders.find(PROVIDER, loader).orElse(null);
            if (provider != null) {
                LOG.info("Sluice connects to the cluster ({}, mode {}) for {}", PROVIDER, resolved.mode(), why);
                return new SluiceCluster(provider.connect(resolved));
            }
        } catch (ServiceConfigurationError broken) {
            throw new IllegalStateException(why + " needs a cluster, but the cluster provider cannot be loaded ("
                    + broken.getMessage() + "): add dev.sluice:sluice-hazelcast to the application", broken);
        }
        throw new IllegalStateException(why + " needs a cluster, but no cluster provider named '" + PROVIDER
                + "' is on the class path: add dev.sluice:sluice-hazelcast to the application");
    }

    /**
     * The properties, with {@code SLUICE_MEMBERS}, {@code SLUICE_HZ_PORT}, {@code SLUICE_HZ_HOST} overriding them
     * (read and checked by {@link ClusterEnvironment}).
     */
    static ClusterSettings settings(SluiceProperties.Cluster settings, Environment environment) {
        String mode = settings.getMode() == null ? "embedded" : settings.getMode().strip();
        if (!mode.equals("embedded") && !mode.equals("client")) {
            throw new IllegalArgumentException("sluice.cluster.mode must be embedded or client, got '" + mode + "'");
        }
        ClusterEnvironment overrides = ClusterEnvironment.read(environment::getProperty);
        Integer port = settings.getPort();
        if (overrides.port() == null && port != null && !ClusterSettings.isPort(port)) {
            throw new IllegalArgumentException("sluice.cluster.port must be a port from 1 to 65535, got " + port);
        }
        return overrides.applyTo(mode, settings.getConfig(), settings.getMembers(), port, settings.getHost(),
                settings.getOptions() == null ? Map.of() : settings.getOptions());
    }

    /** The connection, or null when Sluice runs without a cluster. */
    public ClusterConnection connection() {
        return connection;
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
        }
    }
}
