package dev.sluice.core.engine;

import dev.sluice.core.Reason;
import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.top.KeySketches;
import dev.sluice.core.top.Outcome;

/**
 * A policy name's lasting state in the engine: the backend limiter, the meters and the top-keys sketches. It
 * survives live changes of the definition (the limiter is reconfigured in place, the counters keep counting) and
 * ends when the policy is removed or moves to another scope.
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
    /** The most frequent keys per outcome, or null under {@code top-keys: off}. */
    volatile KeySketches sketches;

    Binding(Backend backend, PolicyLimiter limiter, PolicyMetrics metrics, KeySketches sketches) {
        this.backend = backend;
        this.limiter = limiter;
        this.metrics = metrics;
        this.sketches = sketches;
    }

    /** Follows a live change of {@code top-keys}: turned on, counting starts afresh; turned off, the counts go. */
    void topKeys(boolean on, dev.sluice.core.time.Ticker ticker) {
        if (!on) {
            sketches = null;
        } else if (sketches == null) {
            sketches = new KeySketches(ticker);
        }
    }

    /** Counts an admission of {@code key}. */
    void admitted(String key) {
        metrics.admitted();
        KeySketches top = sketches;
        if (top != null) {
            top.record(Outcome.ADMITTED, key);
        }
    }

    /** Counts a refusal (or, in shadow mode, a would-be refusal) of {@code key}, which may be null (no key). */
    void refused(Reason reason, boolean shadow, String key) {
        metrics.refused(reason, shadow);
        KeySketches top = sketches;
        if (top != null && key != null) {
            top.record(shadow ? Outcome.SHADOW_REFUSED : Outcome.REFUSED, key);
        }
    }
}
