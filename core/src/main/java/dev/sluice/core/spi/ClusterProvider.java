package dev.sluice.core.spi;

/**
 * Creates the cluster backend for {@code scope: cluster} policies. Found with {@link java.util.ServiceLoader} (file
 * {@code META-INF/services/dev.sluice.core.spi.ClusterProvider}), so adapters such as the servlet filter need no
 * compile-time dependency on the cluster technology: putting {@code sluice-hazelcast} on the classpath is enough.
 */
public interface ClusterProvider {
    /** The name settings refer to, e.g. {@code hazelcast}. */
    String name();

    /**
     * Starts or joins the cluster and returns the connection. Blocks while connecting (start-up only).
     *
     * @throws IllegalArgumentException when the settings are invalid, naming the setting
     * @throws IllegalStateException    when the cluster cannot be reached or is incompatible (for example, members
     *                                  without this library's classes), saying what to do
     */
    ClusterConnection connect(ClusterSettings settings);
}
