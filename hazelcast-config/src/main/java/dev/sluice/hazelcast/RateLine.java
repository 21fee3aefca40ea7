package dev.sluice.hazelcast;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fair line of one cluster rate bucket whose policy queues with {@code fair-by}: an entry of IMap
 * {@value MapNames#RATE_LINES} under the bucket's key, changed only by {@link RateLineOps} on its partition owner,
 * so the order is one for the whole cluster, whichever node a waiter came through.
 *
 * <p><b>Who, not how many.</b> The bucket still decides how much may pass and when: every waiter reserved its tokens
 * in the bucket's deficit ({@link DeficitQueue}) before it joined, and the line keeps those reservations as
 * <em>units</em> (tokens falling due at a time). The line only decides which waiter gets which units: waiters in
 * fair order take the units in time order, the n-th waiter the earliest units that cover everyone's cost up to and
 * including its own. A waiter is admitted when its units are due, and takes the earliest units left (all due by
 * then), so however the waiters' claims interleave, no more passes by any time than the bucket reserved by it.
 *
 * <p><b>Fair order</b> is the node-scope line's (self-clocked weighted fair queueing, as
 * {@code dev.sluice.core.local.WaitLine} and {@link SemaphoreState}): a waiter's finish tag is its flow's latest tag
 * in the line, or the line's virtual time if later, plus its cost over its flow's weight; smaller tags go first, the
 * earlier arrival on a tie, and the virtual time becomes the tag of the waiter admitted.
 *
 * <p><b>Units have owners.</b> Each unit belongs to the waiter whose reservation it stands for. An admitted waiter
 * takes the earliest units; a waiter that leaves and gives its tokens back to the bucket takes the latest (the
 * bucket's line moves up by them, and the waiters ahead keep their turns); either hands its own units over to the
 * waiters whose units it took, so every waiter in the line always owns units of its cost. A node that re-reserves
 * its waiters for a live change replaces their units ({@link #reslot}), so a slower rate moves the line's units later
 * on every node that has applied the change, not just some of them. A waiter forgotten by its
 * node (the node left the cluster) is dropped {@value #GRACE_MILLIS} ms after its deadline; its units stay, as its
 * tokens stay spent in the bucket, and serve the others. An entry with no waiters is removed.
 *
 * <p>Not thread-safe: a value of the map, used by one processor at a time.
 */
final class RateLine {
    /** How long after its deadline a waiter no node claims is dropped. */
    static final long GRACE_MILLIS = 2_000;
    private static final long GRACE_NANOS = GRACE_MILLIS * 1_000_000L;
    private static final Comparator<Waiter> FAIR_ORDER = Comparator.comparingDouble(Waiter::finish)
            .thenComparingLong(Waiter::arrival);

    /**
     * One request waiting in the line.
     *
     * @param id       chosen by its node, unique in the line
     * @param flow     the value of {@code fair-by} ("" without one)
     * @param cost     tokens it reserved
     * @param finish   its virtual finish tag
     * @param arrival  the line's count of arrivals when it joined
     * @param deadline cluster time by which its node refuses it unless admitted
     */
    record Waiter(long id, String flow, long cost, double finish, long arrival, long deadline) {
    }

    /**
     * Reserved tokens falling due at one time, owned by the waiter whose reservation they stand for (after an
     * admission that took another waiter's units, the admitted waiter's own units pass to that waiter).
     */
    static final class Unit {
        final long due;
        final long owner;
        long tokens;

        Unit(long due, long owner, long tokens) {
            this.due = due;
            this.owner = owner;
            this.tokens = tokens;
        }
    }

    private static final Comparator<Unit> BY_DUE = Comparator.comparingLong((Unit unit) -> unit.due)
            .thenComparingLong(unit -> unit.owner);

    /** The tag of the waiter admitted last (0 for a new line). */
    double virtualTime;
    /** Arrivals so far; gives each waiter its place on a tie. */
    long arrivals;
    /** In arrival order. */
    final List<Waiter> waiters = new ArrayList<>();
    /** Reserved tokens not yet taken, by due time (cluster nanos). */
    final List<Unit> units = new ArrayList<>();

    boolean isEmpty() {
        return waiters.isEmpty();
    }

    /** Drops the waiters no node has claimed by {@value #GRACE_MILLIS} ms after their deadline; true if any. */
    boolean expire(long now) {
        return waiters.removeIf(waiter -> now - waiter.deadline() > GRACE_NANOS);
    }

    Waiter find(long id) {
        for (Waiter waiter : waiters) {
            if (waiter.id() == id) {
                return waiter;
            }
        }
        return null;
    }

    /** How many of {@code flow}'s requests wait. */
    int waiting(String flow) {
        int count = 0;
        for (Waiter waiter : waiters) {
            count += waiter.flow().equals(flow) ? 1 : 0;
        }
        return count;
    }

    /** Reserved tokens not yet taken that are due by {@code time}. */
    long tokensDueBy(long time) {
        long tokens = 0;
        for (Unit unit : units) {
            tokens += unit.due <= time ? unit.tokens : 0;
        }
        return tokens;
    }

    /**
     * Adds a waiter behind its flow's latest, with the units of its reservation ({@code cost} tokens due at
     * {@code reservedDue}).
     */
    Waiter join(long id, String flow, int weight, long cost, long reservedDue, long deadline) {
        double start = virtualTime;
        for (Waiter waiter : waiters) {
            if (waiter.flow().equals(flow)) {
                start = Math.max(start, waiter.finish());
            }
        }
        Waiter joined = new Waiter(id, flow, cost, start + (double) cost / weight, arrivals++, deadline);
        waiters.add(joined);
        add(new Unit(reservedDue, id, cost));
        return joined;
    }

    private void add(Unit unit) {
        int at = Collections.binarySearch(units, unit, BY_DUE);
        units.add(at < 0 ? -at - 1 : at, unit);
    }

    /** When each waiter's units are due, by waiter id: waiters in fair order take the units in time order. */
    Map<Long, Long> schedule() {
        List<Waiter> order = new ArrayList<>(waiters);
        order.sort(FAIR_ORDER);
        Map<Long, Long> dues = new HashMap<>();
        Iterator<Unit> unit = units.iterator();
        long covered = 0;
        long needed = 0;
        long due = Long.MAX_VALUE;
        for (Waiter waiter : order) {
            needed += waiter.cost();
            while (covered < needed && unit.hasNext()) {
                Unit next = unit.next();
                covered += next.tokens;
                due = next.due;
            }
            dues.put(waiter.id(), covered < needed ? Long.MAX_VALUE : due);
        }
        return dues;
    }

    /** When the first waiter of {@code flow} is due, or {@code Long.MAX_VALUE} when none waits. */
    long firstDueOf(String flow) {
        Map<Long, Long> dues = schedule();
        long first = Long.MAX_VALUE;
        for (Waiter waiter : waiters) {
            if (waiter.flow().equals(flow)) {
                first = Math.min(first, dues.get(waiter.id()));
            }
        }
        return first;
    }

    /**
     * Admits {@code waiter}, whose units are due: it takes the earliest units (all due by now) and sets the virtual
     * time.
     */
    void admit(Waiter waiter) {
        waiters.remove(waiter);
        virtualTime = Math.max(virtualTime, waiter.finish());
        take(waiter, units);
    }

    /**
     * Takes {@code waiter} out of the line with the latest units of its cost: its tokens go back to the bucket, so
     * the bucket's whole line moves up by them, and the waiters ahead keep their turns.
     */
    void leave(Waiter waiter) {
        waiters.remove(waiter);
        List<Unit> latestFirst = new ArrayList<>(units);
        Collections.reverse(latestFirst);
        take(waiter, latestFirst);
    }

    /**
     * Removes units of {@code waiter}'s cost, in the order of {@code from}; where they were another's, the waiter's
     * own units pass to that one in their place, so every waiter in the line still owns units of its cost.
     */
    private void take(Waiter waiter, List<Unit> from) {
        Map<Long, Long> owed = new LinkedHashMap<>();
        long left = waiter.cost();
        Iterator<Unit> unit = from.iterator();
        while (left > 0 && unit.hasNext()) {
            Unit next = unit.next();
            long taken = Math.min(left, next.tokens);
            left -= taken;
            next.tokens -= taken;
            if (next.owner != waiter.id()) {
                owed.merge(next.owner, taken, Long::sum);
            }
        }
        units.removeIf(empty -> empty.tokens == 0);
        List<Unit> own = new ArrayList<>();
        units.removeIf(mine -> mine.owner == waiter.id() && own.add(mine));
        Iterator<Unit> giving = own.iterator();
        Unit current = giving.hasNext() ? giving.next() : null;
        for (Map.Entry<Long, Long> debt : owed.entrySet()) {
            long due = debt.getValue();
            while (due > 0 && current != null) {
                long pass = Math.min(due, current.tokens);
                add(new Unit(current.due, debt.getKey(), pass));
                due -= pass;
                current.tokens -= pass;
                if (current.tokens == 0) {
                    current = giving.hasNext() ? giving.next() : null;
                }
            }
        }
    }

    /**
     * A node's live change: each of {@code ids} gave its reservation back to the bucket and took a new one, due at
     * the same index of {@code dues} ({@code Long.MIN_VALUE}: none). A waiter the line does not hold is left out.
     */
    void reslot(long[] ids, long[] dues) {
        for (int i = 0; i < ids.length; i++) {
            long id = ids[i];
            Waiter waiter = find(id);
            if (waiter == null) {
                continue;
            }
            units.removeIf(unit -> unit.owner == id);
            if (dues[i] != Long.MIN_VALUE) {
                add(new Unit(dues[i], id, waiter.cost()));
            }
        }
    }

    static final Codec<RateLine> CODEC = new Codec<>(RateLine.class, (out, line) -> {
        out.writeDouble(line.virtualTime);
        out.writeLong(line.arrivals);
        out.writeInt(line.waiters.size());
        for (Waiter waiter : line.waiters) {
            out.writeLong(waiter.id());
            out.writeString(waiter.flow());
            out.writeLong(waiter.cost());
            out.writeDouble(waiter.finish());
            out.writeLong(waiter.arrival());
            out.writeLong(waiter.deadline());
        }
        out.writeInt(line.units.size());
        for (Unit unit : line.units) {
            out.writeLong(unit.due);
            out.writeLong(unit.owner);
            out.writeLong(unit.tokens);
        }
    }, in -> {
        RateLine line = new RateLine();
        line.virtualTime = in.readDouble();
        line.arrivals = in.readLong();
        int waiters = in.readInt();
        for (int i = 0; i < waiters; i++) {
            line.waiters.add(new Waiter(in.readLong(), in.readString(), in.readLong(), in.readDouble(), in.readLong(),
                    in.readLong()));
        }
        int units = in.readInt();
        for (int i = 0; i < units; i++) {
            line.units.add(new Unit(in.readLong(), in.readLong(), in.readLong()));
        }
        return line;
    });
}
