package dev.sluice.hazelcast;

import dev.sluice.core.time.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ObjLongConsumer;

/**
 * One policy's {@link TokenSlice}s on this node, by key, and their sweeper: a slice idle for
 * {@value TokenSlice#IDLE_MILLIS} ms gives its tokens back to the cluster bucket and is forgotten. The sweeper runs
 * while slices exist, one sweep scheduled at a time. Thread-safe; never blocks.
 */
final class TokenSlices {
    private static final long SWEEP_NANOS = TokenSlice.IDLE_NANOS / 2;

    /** A retired slice: the tokens it held and the requests that waited for it. */
    record Retired(long held, List<TokenSlice.Pending> waiting) {
        static final Retired NONE = new Retired(0, List.of());
    }

    private final Scheduler scheduler;
    private final ObjLongConsumer<String> giveBack;
    private final Map<String, TokenSlice> slices = new ConcurrentHashMap<>();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private volatile boolean closed;

    /** @param giveBack gives tokens an idle slice held back to the key's bucket */
    TokenSlices(Scheduler scheduler, ObjLongConsumer<String> giveBack) {
        this.scheduler = scheduler;
        this.giveBack = giveBack;
    }

    /** The key's slice, a new one if it has none. */
    TokenSlice of(String key) {
        TokenSlice slice = slices.get(key);
        if (slice == null) {
            slice = slices.computeIfAbsent(key, k -> new TokenSlice(scheduler.ticker().nanos()));
            keepSweeping();
        }
        return slice;
    }

    /** Keeps the sweeper going while slices exist; one sweep is scheduled at a time. */
    private void keepSweeping() {
        if (!closed && sweeping.compareAndSet(false, true)) {
            scheduler.schedule(this::sweep, SWEEP_NANOS);
        }
    }

    /** Gives back the tokens of slices idle for {@value TokenSlice#IDLE_MILLIS} ms and forgets them. */
    private void sweep() {
        long now = scheduler.ticker().nanos();
        for (Map.Entry<String, TokenSlice> entry : slices.entrySet()) {
            TokenSlice slice = entry.getValue();
            long held;
            synchronized (slice) {
                held = slice.retireIfIdle(now);
            }
            if (held >= 0) {
                slices.remove(entry.getKey(), slice);
                if (held > 0) {
                    giveBack.accept(entry.getKey(), held);
                }
            }
        }
        sweeping.set(false);
        if (!slices.isEmpty()) {
            keepSweeping();
        }
    }

    /** Retires the key's slice, if any: its tokens and waiting requests are the caller's now. */
    Retired retire(String key) {
        TokenSlice slice = slices.remove(key);
        if (slice == null) {
            return Retired.NONE;
        }
        synchronized (slice) {
            long held = slice.retire();
            return new Retired(held, slice.drain());
        }
    }

    /** Tokens this node holds ahead of need for {@code key}. */
    long heldHere(String key) {
        TokenSlice slice = slices.get(key);
        if (slice == null) {
            return 0;
        }
        synchronized (slice) {
            return slice.tokens();
        }
    }

    /** A copy of the keys with a slice. */
    List<String> keys() {
        return new ArrayList<>(slices.keySet());
    }

    /** Schedules no more sweeps (the backend is closing). */
    void close() {
        closed = true;
    }
}
