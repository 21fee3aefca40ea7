package dev.sluice.core.top;

import java.util.ArrayDeque;
import java.util.Iterator;
import org.apache.datasketches.frequencies.ItemsSketch;

/**
 * Frequent keys of one outcome of one policy over the last minute and the last ten, in bounded memory: a sketch for
 * the current 10-second slot, the five closed slots before it, an accumulator for the current minute (the closed slots
 * merged into it as they close), and the nine closed minutes before that: at most 16 frequent-items sketches of
 * at most {@code 2^lgMaxMapSize} entries each. Slots rotate lazily, on the next update or read; nothing runs in the
 * background. Thread-safe (one lock per instance; the critical section is a hash-map update).
 */
final class WindowedSketch {
    static final long SLOT_NANOS = 10_000_000_000L;
    static final int SLOTS_PER_MINUTE = 6;
    static final int MINUTES = 10;

    private final int maxMapSize;
    private ItemsSketch<String> current;
    private long currentSlot;
    /** Closed 10-s slots of the last minute, newest first. */
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    private ItemsSketch<String> minute;
    private long currentMinute;
    /** Closed minutes, newest first. */
    private final ArrayDeque<Slot> minutes = new ArrayDeque<>();

    private record Slot(long index, ItemsSketch<String> sketch) {
    }

    WindowedSketch(int maxMapSize, long nowNanos) {
        this.maxMapSize = maxMapSize;
        this.current = new ItemsSketch<>(maxMapSize);
        this.minute = new ItemsSketch<>(maxMapSize);
        this.currentSlot = Math.floorDiv(nowNanos, SLOT_NANOS);
        this.currentMinute = Math.floorDiv(currentSlot, SLOTS_PER_MINUTE);
    }

    synchronized void update(String key, long nowNanos) {
        roll(nowNanos);
        current.update(key);
    }

    /** A new sketch holding the window's counts (the caller owns it). */
    synchronized ItemsSketch<String> window(Window window, long nowNanos) {
        roll(nowNanos);
        ItemsSketch<String> merged = new ItemsSketch<>(maxMapSize);
        merged.merge(current);
        if (window == Window.ONE_MINUTE) {
            for (Slot slot : slots) {
                merged.merge(slot.sketch);
            }
        } else {
            merged.merge(minute);
            for (Slot slot : minutes) {
                merged.merge(slot.sketch);
            }
        }
        return merged;
    }

    /** Whether nothing was counted in the last ten minutes. */
    synchronized boolean isEmpty(long nowNanos) {
        roll(nowNanos);
        return current.isEmpty() && minute.isEmpty() && minutes.isEmpty();
    }

    private void roll(long nowNanos) {
        long slot = Math.floorDiv(nowNanos, SLOT_NANOS);
        if (slot <= currentSlot) {
            return;
        }
        if (!current.isEmpty()) {
            moveMinute(Math.floorDiv(currentSlot, SLOTS_PER_MINUTE));
            minute.merge(current);
            slots.addFirst(new Slot(currentSlot, current));
            current = new ItemsSketch<>(maxMapSize);
        }
        currentSlot = slot;
        moveMinute(Math.floorDiv(slot, SLOTS_PER_MINUTE));
        drop(slots, slot - SLOTS_PER_MINUTE + 1);
        drop(minutes, currentMinute - MINUTES + 1);
    }

    /** Makes {@code index} the current minute, closing the accumulator of an earlier one. */
    private void moveMinute(long index) {
        if (index <= currentMinute) {
            return;
        }
        if (!minute.isEmpty()) {
            minutes.addFirst(new Slot(currentMinute, minute));
            minute = new ItemsSketch<>(maxMapSize);
        }
        currentMinute = index;
    }

    private static void drop(ArrayDeque<Slot> closed, long oldestKept) {
        Iterator<Slot> oldest = closed.descendingIterator();
        while (oldest.hasNext() && oldest.next().index < oldestKept) {
            oldest.remove();
        }
    }
}
