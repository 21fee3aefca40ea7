package dev.sluice.core.spi;

/** A live connection to the cluster: its backend and its replicated policy store. Closing it leaves the cluster. */
public interface ClusterConnection extends AutoCloseable {
    Backend backend();

    PolicyStore policyStore();

    /** Where nodes share their top-keys sketches, or null when the cluster offers none (each node answers alone). */
    default SketchExchange sketchExchange() {
        return null;
    }

    /** Where accepted management changes are kept for every node, or null (each node keeps its own, in memory). */
    default AuditStore auditStore() {
        return null;
    }

    /**
     * Where candidate policies are kept for every node, or null (each node keeps the candidates written to it, and
     * evaluates only those).
     */
    default CandidateStore candidateStore() {
        return null;
    }

    @Override
    void close();
}
