package dev.sluice.core.spi;

/** A live connection to the cluster: its backend and its replicated policy store. Closing it leaves the cluster. */
public interface ClusterConnection extends AutoCloseable {
    Backend backend();

    PolicyStore policyStore();

    @Override
    void close();
}
