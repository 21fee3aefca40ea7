package dev.sluice.core.engine;

import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.RateOutcome;

/** One policy's part in one request's decision: what it was asked, and what its bucket answered. */
final class Step {
    final CompiledPolicy compiled;
    final String key;
    final long cost;
    /** The bucket's answer, or null when the policy has no rate or quota (or has not been asked yet). */
    RateOutcome rate;
    /** The semaphore's answer, or null when the policy has no concurrency (or has not been asked yet). */
    PermitOutcome permit;
    /** How a failure rule decided instead of the backend ({@code degraded-local}, ...), or null. */
    String degradedVia;

    /** The request's flow in a fair queue, or null. */
    final String flow;

    Step(CompiledPolicy compiled, String key, long cost) {
        this(compiled, key, cost, null);
    }

    Step(CompiledPolicy compiled, String key, long cost, String flow) {
        this.compiled = compiled;
        this.key = key;
        this.cost = cost;
        this.flow = flow;
    }

    /** Whether this step's rate outcome goes into the response headers. */
    boolean showsRate() {
        return rate != null && !compiled.definition.shadow()
                && compiled.definition.headers() != dev.sluice.core.config.HeaderStyle.NONE;
    }
}
