package dev.sluice.core;

import java.util.Map;

/**
 * Live figures of one policy on this node, for the management API.
 *
 * @param admitted          requests this policy let through since it was created on this node
 * @param refused           requests it refused (enforce mode)
 * @param refusedByReason   refusals per reason ({@code rate}, {@code queue-full}, ...)
 * @param queued            requests waiting now
 * @param permitsInUse      concurrency permits held now
 * @param oldestWaiterNanos how long the longest waiter has waited, 0 when none waits
 * @param keys              keys with state, or -1 when unknown
 * @param shadowRefused     requests it would have refused in shadow mode (admitted)
 * @param queueWaitP99Nanos the 99th percentile of the queue waits of the last minute or so (Micrometer's decaying
 *                          window), 0 when nothing waited
 */
public record PolicyFigures(long admitted, long refused, Map<String, Long> refusedByReason, long queued,
        long permitsInUse, long oldestWaiterNanos, long keys, long shadowRefused, long queueWaitP99Nanos) {
    public PolicyFigures {
        refusedByReason = Map.copyOf(refusedByReason);
    }

    /** Figures without shadow refusals and queue-wait percentile. */
    public PolicyFigures(long admitted, long refused, Map<String, Long> refusedByReason, long queued,
            long permitsInUse, long oldestWaiterNanos, long keys) {
        this(admitted, refused, refusedByReason, queued, permitsInUse, oldestWaiterNanos, keys, 0, 0);
    }
}
