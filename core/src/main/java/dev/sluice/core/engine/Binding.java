package dev.sluice.core.engine;

import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.PolicyLimiter;

/**
 * A policy name's lasting state in the engine: the backend limiter and the meters. It survives live changes of the
 * definition (the limiter is reconfigured in place, the counters keep counting) and ends when the policy is
 * removed or moves to another scope.
 */
final class Binding {
    final Backend backend;
    final PolicyLimiter limiter;
    final PolicyMetrics metrics;
    /** How long this policy's permits are held here: the Retry-After of concurrency refusals. */
    final HoldTimes holds = new HoldTimes();
    /** The local stand-in used under {@code on-backend-failure: local}; bound on first need. */
    volatile PolicyLimiter fallback;
    /** The member count {@link #fallback}'s share was computed for. */
    volatile int fallbackMembers;

    Binding(Backend backend, PolicyLimiter limiter, PolicyMetrics metrics) {
        this.backend = backend;
        this.limiter = limiter;
        this.metrics = metrics;
    }
}
