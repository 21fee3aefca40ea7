package dev.sluice.core.spi;

import dev.sluice.core.config.Policy;

/**
 * Where the state of policies of one {@link dev.sluice.core.config.Scope} lives: buckets, semaphores and their
 * queues. The engine binds each policy once and talks to the returned {@link PolicyLimiter}. The node-local
 * backend ({@code LocalBackend}) serves {@code scope: node}; a cluster backend serves {@code scope: cluster}.
 *
 * <p>Every implementation passes the contract suite {@code BackendContract} in sluice-core's test-jar.
 * Implementations are thread-safe.
 */
public interface Backend extends AutoCloseable {
    /** A short name for health and metrics, e.g. {@code local} or {@code hazelcast}. */
    String name();

    /**
     * Creates, or attaches to, the state of {@code policy}. Called once per policy name while the policy exists;
     * later definitions of the same name arrive through {@link PolicyLimiter#reconfigure}.
     */
    PolicyLimiter bind(Policy policy);

    /** The backend's state for {@code GET /health}. Never blocks for long; never throws. */
    BackendHealth health();

    /** Publishes the backend's own meters (its circuit breaker, for instance) in {@code registry}; none by default. */
    default void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
    }

    /**
     * The live members of the cluster this node last saw while the backend was answering, at least 1. Under
     * {@code on-backend-failure: local} a node enforces each limit divided by this. A cluster that has vanished does
     * not lower it (a client alone is not a cluster of one). Never blocks; 1 for a node-local backend.
     */
    default int membersLastSeen() {
        return 1;
    }

    /**
     * How many times the backend has entered degraded mode (answering through the policies' failure rules) since it
     * started; counted by the engine as {@code sluice.backend.degraded.entered}. Never blocks; 0 for a backend that
     * cannot degrade.
     */
    default long timesDegraded() {
        return 0;
    }

    /** Releases what the backend holds (threads, listeners); pending waiters are refused. */
    @Override
    void close();
}
