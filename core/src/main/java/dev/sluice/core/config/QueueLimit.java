package dev.sluice.core.config;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Requests that a rate or concurrency limit refuses wait instead, up to {@code depth} waiting per key and limiter,
 * each at most {@code maxWait} in total for its policy. Without {@code fairBy} they wait first in first out. With
 * it, waiting requests form flows by the value of {@code fairBy} and are admitted by weight (self-clocked weighted
 * fair queueing: a request's virtual finish is its flow's previous finish, or the line's virtual time if later,
 * plus its cost over its flow's weight; the smallest finish goes first), first in first out within a flow; one flow
 * holds at most {@code flowDepth} places.
 *
 * @param depth         how many may wait, 1 to 1,000,000
 * @param maxWait       how long one may wait, 1ms to 1h
 * @param fairBy        the key expression whose value names a request's flow, or null for one FIFO line
 * @param weights       weight per flow value, each 1 to 1,000 (only with fairBy)
 * @param defaultWeight weight of the flows not in {@code weights}, 1 to 1,000 (default 1)
 * @param flowDepth     places one flow may hold, 1 to depth (default depth)
 */
public record QueueLimit(int depth, Duration maxWait, KeyExpression fairBy, Map<String, Integer> weights,
        int defaultWeight, int flowDepth) {
    public static final int MAX_DEPTH = 1_000_000;
    public static final int MAX_WEIGHT = 1_000;

    public QueueLimit {
        Checks.positive("depth", depth, MAX_DEPTH);
        Checks.between("max-wait", maxWait, Duration.ofMillis(1), Duration.ofHours(1));
        weights = weights == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(weights));
        if (defaultWeight == 0) {
            defaultWeight = 1;
        }
        if (flowDepth == 0) {
            flowDepth = depth;
        }
        Checks.positive("default-weight", defaultWeight, MAX_WEIGHT);
        Checks.positive("flow-depth", flowDepth, depth);
        for (Map.Entry<String, Integer> weight : weights.entrySet()) {
            Checks.positive("weights." + weight.getKey(), weight.getValue(), MAX_WEIGHT);
        }
        if (fairBy == null && (!weights.isEmpty() || defaultWeight != 1 || flowDepth != depth)) {
            throw new FieldException(!weights.isEmpty() ? "weights" : defaultWeight != 1 ? "default-weight"
                    : "flow-depth", "needs fair-by: weights and flow depths belong to flows", null);
        }
    }

    /** A FIFO queue. */
    public QueueLimit(int depth, Duration maxWait) {
        this(depth, maxWait, null, Map.of(), 1, depth);
    }

    /** Whether waiting requests are queued fairly across flows. */
    public boolean fair() {
        return fairBy != null;
    }

    /** The weight of the flow named {@code flow}. */
    public int weightOf(String flow) {
        Integer weight = weights.get(flow);
        return weight == null ? defaultWeight : weight;
    }
}
