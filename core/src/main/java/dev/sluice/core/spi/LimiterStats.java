package dev.sluice.core.spi;

/**
 * Figures across the keys of one policy.
 *
 * @param queued             requests waiting now
 * @param permitsInUse       permits held now
 * @param oldestWaiterNanos  how long the longest-waiting request has waited, 0 when none waits
 * @param keys               keys with state (buckets or semaphores), or -1 when unknown
 */
public record LimiterStats(long queued, long permitsInUse, long oldestWaiterNanos, long keys) {
    public static final LimiterStats EMPTY = new LimiterStats(0, 0, 0, 0);
}
