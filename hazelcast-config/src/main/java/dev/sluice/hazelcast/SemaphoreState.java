package dev.sluice.hazelcast;

import dev.sluice.core.Reason;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * One (policy, key) semaphore as an IMap value: the definition it follows (count, lease time, queue depth, and the
 * version of that definition), the leases held (ticket → holder, count, expiry) and the waiters (ticket → holder,
 * count, enqueue time, deadline, flow and virtual finish tag), in arrival order. Changed only by {@link SemaphoreOps} entry processors on the partition
 * owner, and replayed on the backup with the same inputs, so both copies agree. Times are cluster-clock
 * nanoseconds passed in by the caller ({@link ClusterClock}). Not thread-safe: an entry processor owns it while it
 * runs.
 *
 * <p>The count is kept whole and {@link #used} counts the permits held, so a new count applies by the difference:
 * held leases stay valid, a raised count admits waiters at once and a lowered one admits no one until
 * {@code used} drops below it.
 *
 * <p><b>Serving order</b> is the node-scope fair line's (self-clocked weighted fair queueing, as
 * {@code dev.sluice.core.local.WaitLine}): a waiter's finish tag is its flow's latest tag in the line (or the entry's
 * virtual time, if later) plus its permits over its flow's weight; the smallest tag is served next, the earlier
 * arrival on a tie, and the virtual time becomes the tag of the waiter served. A FIFO queue puts every waiter in one
 * flow of weight 1, whose tags grow with arrival: first in first out. Because the line lives in the entry, on the
 * partition owner, the order is one for the whole cluster, whichever node a waiter came through. The tags are
 * computed from the entry's own fields only, so the backup replays them exactly.
 */
final class SemaphoreState {
    long version;
    long permits;
    long leaseNanos;
    int depth;
    long used;
    /** The tag of the waiter served last (0 for a new entry; an entry that empties is removed, and starts again). */
    double virtualTime;
    final Map<Long, LeaseRecord> leases = new LinkedHashMap<>();
    final ArrayDeque<WaiterRecord> waiters = new ArrayDeque<>();

    record LeaseRecord(UUID holder, long count, long expiry) { }

    /** @param flow the flow it waits in ("" in a FIFO queue); @param finish its virtual finish tag */
    record WaiterRecord(long ticket, UUID holder, long count, long enqueued, long deadline, String flow,
            double finish) { }

    boolean idle() {
        return leases.isEmpty() && waiters.isEmpty();
    }

    /**
     * Follows {@code definition} if it is at least as new as the one in force (a node that has not yet heard of a
     * change cannot undo it); waiters beyond a lowered depth are refused from the tail with {@code QUEUE_FULL}.
     */
    boolean adopt(Definition definition, List<Notice> notices) {
        if (definition.version() < version) {
            return false;
        }
        boolean changed = definition.version() != version || definition.permits() != permits
                || definition.leaseNanos() != leaseNanos || definition.depth() != depth;
        version = definition.version();
        permits = definition.permits();
        leaseNanos = definition.leaseNanos();
        depth = definition.depth();
        while (waiters.size() > depth) {
            WaiterRecord last = last();
            waiters.remove(last);
            notices.add(Notice.refused(last.ticket(), last.holder(), Reason.QUEUE_FULL, used));
            changed = true;
        }
        return changed;
    }

    /**
     * Whether {@code flow} may take another place: it holds fewer than its depth. (The queue's own depth is checked
     * separately.)
     */
    boolean flowHasRoom(Flow flow) {
        int held = 0;
        for (WaiterRecord waiter : waiters) {
            if (waiter.flow().equals(flow.name()) && ++held >= flow.depth()) {
                return false;
            }
        }
        return true;
    }

    /** Puts a waiter in the line at its flow's place: tagged after the flow's latest waiter, or the virtual time. */
    void enqueue(long ticket, UUID holder, long count, long enqueued, long deadline, Flow flow) {
        double start = virtualTime;
        for (WaiterRecord waiter : waiters) {
            if (waiter.flow().equals(flow.name())) {
                start = Math.max(start, waiter.finish());
            }
        }
        waiters.addLast(new WaiterRecord(ticket, holder, count, enqueued, deadline, flow.name(),
                start + (double) count / flow.weight()));
    }

    /** The waiter to be served next: the smallest tag, the earliest arrival on a tie; null when none waits. */
    WaiterRecord head() {
        WaiterRecord head = null;
        for (WaiterRecord waiter : waiters) {
            if (head == null || waiter.finish() < head.finish()) {
                head = waiter;
            }
        }
        return head;
    }

    /** The waiter to be served last of all: the largest tag, the latest arrival on a tie; null when none waits. */
    WaiterRecord last() {
        WaiterRecord last = null;
        for (WaiterRecord waiter : waiters) {
            if (last == null || waiter.finish() >= last.finish()) {
                last = waiter;
            }
        }
        return last;
    }

    /** Grants waiters in serving order while the count allows; the head that does not fit stops the others. */
    boolean grantFromHead(long now, List<Notice> notices) {
        boolean changed = false;
        for (WaiterRecord head = head(); head != null && used + head.count() <= permits; head = head()) {
            waiters.remove(head);
            virtualTime = Math.max(virtualTime, head.finish());
            used += head.count();
            leases.put(head.ticket(), new LeaseRecord(head.holder(), head.count(), now + leaseNanos));
            notices.add(Notice.granted(head.ticket(), head.holder(), used));
            changed = true;
        }
        return changed;
    }

    /**
     * Drops expired leases, waiters past their deadline (refused with {@code QUEUE_TIMEOUT}) and everything held or
     * awaited by holders that left the cluster (no notice: they are gone), then grants what that freed.
     */
    boolean sweep(long now, Set<UUID> departed, List<Notice> notices) {
        boolean changed = false;
        Iterator<LeaseRecord> leaseIt = leases.values().iterator();
        while (leaseIt.hasNext()) {
            LeaseRecord lease = leaseIt.next();
            if (lease.expiry() <= now || departed.contains(lease.holder())) {
                used -= lease.count();
                leaseIt.remove();
                changed = true;
            }
        }
        Iterator<WaiterRecord> waiterIt = waiters.iterator();
        while (waiterIt.hasNext()) {
            WaiterRecord waiter = waiterIt.next();
            if (departed.contains(waiter.holder())) {
                waiterIt.remove();
                changed = true;
            } else if (waiter.deadline() <= now) {
                waiterIt.remove();
                notices.add(Notice.refused(waiter.ticket(), waiter.holder(), Reason.QUEUE_TIMEOUT, used));
                changed = true;
            }
        }
        return grantFromHead(now, notices) || changed;
    }

    /**
     * Adds the leases of {@code other} (another copy of this semaphore, from the other side of a healed split) that
     * this copy lacks and that have not expired at {@code now}, and the newer definition of the two; keeps this
     * copy's waiters. Returns whether anything changed.
     */
    boolean withLeasesOf(SemaphoreState other, long now) {
        boolean changed = false;
        if (other.version > version) {
            version = other.version;
            permits = other.permits;
            leaseNanos = other.leaseNanos;
            depth = other.depth;
            changed = true;
        }
        for (Map.Entry<Long, LeaseRecord> entry : other.leases.entrySet()) {
            LeaseRecord lease = entry.getValue();
            if (lease.expiry() > now && !leases.containsKey(entry.getKey())) {
                leases.put(entry.getKey(), lease);
                used += lease.count();
                changed = true;
            }
        }
        return changed;
    }

    /** Permits held by leases that have not expired at {@code now} nor belong to departed holders. */
    long usedAt(long now, Set<UUID> departed) {
        long live = 0;
        for (LeaseRecord lease : leases.values()) {
            if (lease.expiry() > now && !departed.contains(lease.holder())) {
                live += lease.count();
            }
        }
        return live;
    }

    static final Codec<SemaphoreState> CODEC = new Codec<>(SemaphoreState.class, (out, state) -> {
        out.writeLong(state.version);
        out.writeLong(state.permits);
        out.writeLong(state.leaseNanos);
        out.writeInt(state.depth);
        out.writeLong(state.used);
        out.writeDouble(state.virtualTime);
        out.writeInt(state.leases.size());
        for (Map.Entry<Long, LeaseRecord> entry : state.leases.entrySet()) {
            LeaseRecord lease = entry.getValue();
            out.writeLong(entry.getKey());
            SemaphoreCodecs.writeUuid(out, lease.holder());
            out.writeLong(lease.count());
            out.writeLong(lease.expiry());
        }
        out.writeInt(state.waiters.size());
        for (WaiterRecord waiter : state.waiters) {
            out.writeLong(waiter.ticket());
            SemaphoreCodecs.writeUuid(out, waiter.holder());
            out.writeLong(waiter.count());
            out.writeLong(waiter.enqueued());
            out.writeLong(waiter.deadline());
            out.writeString(waiter.flow());
            out.writeDouble(waiter.finish());
        }
    }, in -> {
        SemaphoreState state = new SemaphoreState();
        state.version = in.readLong();
        state.permits = in.readLong();
        state.leaseNanos = in.readLong();
        state.depth = in.readInt();
        state.used = in.readLong();
        state.virtualTime = in.readDouble();
        int leases = in.readInt();
        for (int i = 0; i < leases; i++) {
            long ticket = in.readLong();
            state.leases.put(ticket, new LeaseRecord(SemaphoreCodecs.readUuid(in), in.readLong(), in.readLong()));
        }
        int waiters = in.readInt();
        for (int i = 0; i < waiters; i++) {
            state.waiters.addLast(new WaiterRecord(in.readLong(), SemaphoreCodecs.readUuid(in), in.readLong(),
                    in.readLong(), in.readLong(), in.readString(), in.readDouble()));
        }
        return state;
    });
}
