package dev.sluice.core.top;

import java.util.Map;
import org.apache.datasketches.frequencies.ItemsSketch;

/**
 * How often each key occurred since this was made, in bounded memory: one frequent-items sketch of the top-keys
 * sketches' kind and size ({@link ItemsSketch} of {@value KeySketches#MAX_MAP_SIZE} entries), without their time
 * windows. It finds every key above about 2.7 % of the keys recorded, whatever their number. Counts of several nodes
 * merge as top-keys counts do ({@link Tally}): lower bounds and maximum errors add up. Thread-safe (one lock; the
 * critical section of {@link #record} is a hash-map update).
 */
public final class FrequentKeys {
    private final ItemsSketch<String> sketch = new ItemsSketch<>(KeySketches.MAX_MAP_SIZE);

    /** Counts one occurrence of {@code key}. */
    public synchronized void record(String key) {
        sketch.update(key);
    }

    /** The keys the sketch still counts, with the lower bounds of their counts, and its maximum error. */
    public synchronized Snapshot snapshot() {
        Tally tally = new Tally();
        tally.add(sketch);
        return new Snapshot(tally.lowerBounds(), tally.offset());
    }

    /**
     * Counts at one moment: a key's true count lies between its lower bound and that plus {@code maximumError}
     * (0 until the sketch has had to forget rarer keys); a key not listed occurred at most {@code maximumError}
     * times.
     */
    public record Snapshot(Map<String, Long> lowerBounds, long maximumError) {
    }
}
