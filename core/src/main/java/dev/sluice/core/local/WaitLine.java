package dev.sluice.core.local;

import dev.sluice.core.config.QueueLimit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The requests waiting for one semaphore or one bucket, in the order they are to be served: first in first out, or,
 * for a fair queue, by weighted fair queueing across flows.
 *
 * <p><b>Fair order</b> (self-clocked fair queueing, Golestani 1994): each waiter gets a virtual finish tag, its
 * flow's previous tag (or the line's virtual time, if later) plus its permits over its flow's weight; the line
 * serves the smallest tag first and its virtual time becomes the tag of the last waiter served. Within a flow tags
 * grow, so a flow is first in first out; a flow with weight 4 gets four places for every one of a flow with weight
 * 1 while both wait; a flow that floods only lengthens its own line, and a newcomer starts at the virtual time, not
 * behind the flood. A waiter that leaves early (timeout, cancel) does not move the others' tags. One flow holds at
 * most {@code flow-depth} places.
 *
 * <p>Not thread-safe: guarded by its semaphore or bucket.
 */
final class WaitLine<W extends WaitLine.Place> {
    /** What a line holds: a request's permits and, in a fair line, its flow and tag. */
    abstract static class Place {
        final long count;
        final String flow;
        double finish;
        long sequence;

        Place(long count, String flow) {
            this.count = count;
            this.flow = flow;
        }
    }

    private static final Comparator<Place> BY_FINISH =
            Comparator.comparingDouble((Place place) -> place.finish).thenComparingLong(place -> place.sequence);

    private final ArrayDeque<W> fifo;
    private final TreeSet<W> fair;
    private final Map<String, long[]> flowSizes;
    private final Map<String, Double> flowFinish;
    private double virtualTime;
    private long sequence;

    WaitLine(boolean fairOrder) {
        this.fifo = fairOrder ? null : new ArrayDeque<>(0);
        this.fair = fairOrder ? new TreeSet<>(BY_FINISH) : null;
        this.flowSizes = fairOrder ? new HashMap<>() : null;
        this.flowFinish = fairOrder ? new HashMap<>() : null;
    }

    boolean fair() {
        return fair != null;
    }

    /** Whether {@code flow} may take another place under {@code queue}'s flow depth. */
    boolean flowHasRoom(String flow, QueueLimit queue) {
        if (fair == null) {
            return true;
        }
        long[] size = flowSizes.get(flow);
        return size == null || size[0] < queue.flowDepth();
    }

    /** The finish tag a waiter of {@code flow} for {@code count} would get if it joined now (a fair line). */
    double tagFor(String flow, long count, QueueLimit queue) {
        int weight = queue == null ? 1 : queue.weightOf(flow);
        double start = Math.max(virtualTime, flowFinish.getOrDefault(flow, 0.0));
        return start + (double) count / weight;
    }

    /**
     * The waiters a newcomer tagged {@code tag} would be served before, in serving order: those with a larger tag
     * (a newcomer loses ties). None in a FIFO line, where a newcomer goes last.
     */
    List<W> behind(double tag) {
        List<W> behind = new ArrayList<>();
        if (fair != null) {
            for (W waiter : fair.descendingSet()) {
                if (waiter.finish <= tag) {
                    break;
                }
                behind.add(waiter);
            }
            java.util.Collections.reverse(behind);
        }
        return behind;
    }

    /** Adds {@code waiter} at its place: the tail, or its flow's fair place under {@code queue}'s weights. */
    void add(W waiter, QueueLimit queue) {
        if (fair == null) {
            fifo.addLast(waiter);
            return;
        }
        waiter.finish = tagFor(waiter.flow, waiter.count, queue);
        waiter.sequence = sequence++;
        flowFinish.put(waiter.flow, waiter.finish);
        flowSizes.computeIfAbsent(waiter.flow, f -> new long[1])[0]++;
        fair.add(waiter);
    }

    /** The waiter that joined first: the FIFO head, or in a fair line the earliest arrival (a scan). */
    W oldest() {
        if (fair == null) {
            return fifo.peekFirst();
        }
        W oldest = null;
        for (W waiter : fair) {
            if (oldest == null || waiter.sequence < oldest.sequence) {
                oldest = waiter;
            }
        }
        return oldest;
    }

    W peekFirst() {
        return fair == null ? fifo.peekFirst() : fair.isEmpty() ? null : fair.first();
    }

    W pollFirst() {
        if (fair == null) {
            return fifo.pollFirst();
        }
        W first = fair.pollFirst();
        if (first != null) {
            virtualTime = Math.max(virtualTime, first.finish);
            left(first);
        }
        return first;
    }

    /** The waiter served last of all: the FIFO tail, or the largest fair tag. */
    W pollLast() {
        if (fair == null) {
            return fifo.pollLast();
        }
        W last = fair.pollLast();
        if (last != null) {
            left(last);
        }
        return last;
    }

    /**
     * Takes out {@code waiter}, which is being served out of the head's turn (a rate queue's waiter leaves when its
     * tokens are due, in line order): as {@link #pollFirst}, the virtual time moves on to its tag.
     */
    boolean served(W waiter) {
        if (!remove(waiter)) {
            return false;
        }
        if (fair != null) {
            virtualTime = Math.max(virtualTime, waiter.finish);
        }
        return true;
    }

    boolean contains(W waiter) {
        return fair == null ? fifo.contains(waiter) : fair.contains(waiter);
    }

    /** A copy of the line, in serving order. */
    List<W> inOrder() {
        return new ArrayList<>(fair == null ? fifo : fair);
    }

    boolean remove(W waiter) {
        if (fair == null) {
            return fifo.remove(waiter);
        }
        if (!fair.remove(waiter)) {
            return false;
        }
        left(waiter);
        return true;
    }

    private void left(W waiter) {
        long[] size = flowSizes.get(waiter.flow);
        if (size != null && --size[0] <= 0) {
            flowSizes.remove(waiter.flow);
            flowFinish.remove(waiter.flow);   // a flow that comes back starts at the virtual time
        }
    }

    int size() {
        return fair == null ? fifo.size() : fair.size();
    }

    boolean isEmpty() {
        return size() == 0;
    }

    /** Takes every waiter out, in serving order. */
    List<W> drain() {
        List<W> all = new ArrayList<>(fair == null ? fifo : fair);
        if (fair == null) {
            fifo.clear();
        } else {
            fair.clear();
            flowSizes.clear();
            flowFinish.clear();
        }
        return all;
    }
}
