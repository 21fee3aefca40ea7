package dev.sluice.core.top;

import java.util.List;

/**
 * The most frequent keys of one policy, outcome and window, largest estimate first.
 *
 * @param nodes how many nodes' counts were merged (this node's included)
 * @param keys  at most the limit asked for
 */
public record TopAnswer(String policy, Outcome outcome, Window window, int nodes, List<Row> keys) {

    /**
     * One key: its estimated count in the window, and bounds the true count lies within (the sketch's guarantee;
     * equal to the estimate while the sketch has not had to forget rarer keys).
     */
    public record Row(String key, long estimate, long lower, long upper) {
    }
}
