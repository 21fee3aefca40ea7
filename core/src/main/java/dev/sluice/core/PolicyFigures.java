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
 */
public record PolicyFigures(long admitted, long refused, Map<String, Long> refusedByReason, long queued,
        long permitsInUse, long oldestWaiterNanos, long keys) {
    public PolicyFigures {
        refusedByReason = Map.copyOf(refusedByReason);
    }
}
