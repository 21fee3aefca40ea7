package dev.sluice.hazelcast;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * The requests waiting on this node for one policy's cluster rate queue, by key: what the node counts and reads of
 * its waiters ({@link ClusterRateWaiters}, {@link FairRateWaiters}), whatever they wait for. Thread-safe.
 *
 * @param <W> a waiter
 */
final class WaitersByKey<W> {
    private final Map<String, Set<W>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong count = new AtomicLong();
    private final ToLongFunction<W> start;

    /** @param start when a waiter began to wait, on the clock given to {@link #oldestNanos} */
    WaitersByKey(ToLongFunction<W> start) {
        this.start = start;
    }

    void add(String key, W waiter) {
        waiting.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(waiter);
        count.incrementAndGet();
    }

    /** Takes a waiter out; called once per waiter that was added. */
    void remove(String key, W waiter) {
        count.decrementAndGet();
        waiting.computeIfPresent(key, (k, keyWaiters) -> {
            keyWaiters.remove(waiter);
            return keyWaiters.isEmpty() ? null : keyWaiters;
        });
    }

    /** The key's waiters now (a copy), and every key's. */
    List<W> of(String key) {
        Set<W> keyWaiters = waiting.get(key);
        return keyWaiters == null ? List.of() : new ArrayList<>(keyWaiters);
    }

    /** Every key's waiters (a live view), or only {@code key}'s when it is not null. */
    Set<Map.Entry<String, Set<W>>> byKey(String key) {
        if (key == null) {
            return waiting.entrySet();
        }
        Set<W> keyWaiters = waiting.get(key);
        return keyWaiters == null ? Set.of() : Map.of(key, keyWaiters).entrySet();
    }

    long count(String key) {
        Set<W> keyWaiters = waiting.get(key);
        return keyWaiters == null ? 0 : keyWaiters.size();
    }

    long count() {
        return count.get();
    }

    List<String> keys() {
        return new ArrayList<>(waiting.keySet());
    }

    /** How long the longest waiting request has waited at {@code now}; 0 when none waits. */
    long oldestNanos(long now) {
        long oldest = 0;
        for (Set<W> keyWaiters : waiting.values()) {
            for (W waiter : keyWaiters) {
                oldest = Math.max(oldest, now - start.applyAsLong(waiter));
            }
        }
        return oldest;
    }
}
