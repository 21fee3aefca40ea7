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
 * version of that definition), the leases held (ticket → holder, count, expiry) and the FIFO waiters (ticket →
 * holder, count, enqueue time, deadline). Changed only by {@link SemaphoreOps} entry processors on the partition
 * owner, and replayed on the backup with the same inputs, so both copies agree. Times are cluster-clock
 * nanoseconds passed in by the caller ({@link ClusterClock}). Not thread-safe: an entry processor owns it while it
 * runs.
 *
 * <p>The count is kept whole and {@link #used} counts the permits held, so a new count applies by the difference:
 * held leases stay valid, a raised count admits waiters at once and a lowered one admits no one until
 * {@code used} drops below it.
 */
final class SemaphoreState {
    long version;
    long permits;
    long leaseNanos;
    int depth;
    long used;
    final Map<Long, LeaseRecord> leases = new LinkedHashMap<>();
    final ArrayDeque<WaiterRecord> waiters = new ArrayDeque<>();

    record LeaseRecord(UUID holder, long count, long expiry) { }

    record WaiterRecord(long ticket, UUID holder, long count, long enqueued, long deadline) { }

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
            WaiterRecord last = waiters.pollLast();
            notices.add(Notice.refused(last.ticket(), last.holder(), Reason.QUEUE_FULL, used));
            changed = true;
        }
        return changed;
    }

    /** Grants waiters from the head while the count allows: strictly first in first out. */
    boolean grantFromHead(long now, List<Notice> notices) {
        boolean changed = false;
        while (!waiters.isEmpty() && used + waiters.peekFirst().count() <= permits) {
            WaiterRecord head = waiters.pollFirst();
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
        }
    }, in -> {
        SemaphoreState state = new SemaphoreState();
        state.version = in.readLong();
        state.permits = in.readLong();
        state.leaseNanos = in.readLong();
        state.depth = in.readInt();
        state.used = in.readLong();
        int leases = in.readInt();
        for (int i = 0; i < leases; i++) {
            long ticket = in.readLong();
            state.leases.put(ticket, new LeaseRecord(SemaphoreCodecs.readUuid(in), in.readLong(), in.readLong()));
        }
        int waiters = in.readInt();
        for (int i = 0; i < waiters; i++) {
            state.waiters.addLast(new WaiterRecord(in.readLong(), SemaphoreCodecs.readUuid(in), in.readLong(),
                    in.readLong(), in.readLong()));
        }
        return state;
    });
}
