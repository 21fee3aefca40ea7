package dev.sluice.core.engine;

import dev.sluice.core.Reason;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.TopKeys;
import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.time.Ticker;
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
    private volatile PolicyLimiter fallback;
    /** The member count {@link #fallback}'s share was computed for. */
    private volatile int fallbackMembers;
    /** The most frequent keys per outcome, or null under {@code top-keys: off}. */
    volatile KeySketches sketches;

    Binding(Backend backend, PolicyLimiter limiter, PolicyMetrics metrics, KeySketches sketches) {
        this.backend = backend;
        this.limiter = limiter;
        this.metrics = metrics;
        this.sketches = sketches;
    }

    /**
     * Follows a live change of the definition: the limiter is reconfigured in place, the top-keys sketches follow
     * {@code top-keys}, and a local stand-in already bound takes its share of the new limits.
     */
    void reconfigure(Policy policy, Ticker ticker, int members) {
        limiter.reconfigure(policy);
        topKeys(policy.topKeys() == TopKeys.ON, ticker);
        synchronized (this) {
            PolicyLimiter stand = fallback;
            if (stand != null) {
                stand.reconfigure(LocalShare.of(policy, members));
                fallbackMembers = members;
            }
        }
    }

    /**
     * The node-local stand-in for this cluster policy under {@code on-backend-failure: local}: bound on {@code local}
     * on first need, with this node's share of the limits of {@code policy} among {@code members}; when the cluster
     * has changed size since, the share follows and the state lives on.
     */
    PolicyLimiter fallback(Backend local, Policy policy, int members) {
        PolicyLimiter stand = fallback;
        if (stand != null && fallbackMembers == members) {
            return stand;
        }
        synchronized (this) {
            stand = fallback;
            if (stand == null) {
                stand = local.bind(LocalShare.of(policy, members));
                fallbackMembers = members;
                fallback = stand;
            } else if (fallbackMembers != members) {
                stand.reconfigure(LocalShare.of(policy, members));
                fallbackMembers = members;
            }
            return stand;
        }
    }

    /** Ends the binding: the limiter and its local stand-in, if any, are unbound. */
    void unbind() {
        limiter.unbind();
        PolicyLimiter stand = fallback;
        if (stand != null) {
            stand.unbind();
        }
    }

    /** Follows a live change of {@code top-keys}: turned on, counting starts afresh; turned off, the counts go. */
    void topKeys(boolean on, Ticker ticker) {
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
