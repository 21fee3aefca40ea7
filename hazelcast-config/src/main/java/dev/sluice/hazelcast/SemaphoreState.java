package dev.sluice.hazelcast;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One (policy, key) semaphore as an IMap value: the full count, the leases (id → holder, count, expiry) and the FIFO
 * waiters. Changed only by {@link SemaphoreOps} entry processors on the partition owner (and replayed on the
 * backups with the same inputs, so the copies agree). Times are cluster-clock nanoseconds passed in by the caller.
 */
final class SemaphoreState implements Serializable {
    private static final long serialVersionUID = 1L;

    long permits;
    long leaseNanos;
    long used;
    final Map<String, LeaseRecord> leases = new LinkedHashMap<>();
    final List<WaiterRecord> waiters = new ArrayList<>();

    record LeaseRecord(UUID holder, long count, long expiry) implements Serializable { }

    record WaiterRecord(String ticket, UUID holder, long count, long enqueued, long deadline) implements Serializable { }

    /** A decision about a waiter, for its node: granted, or refused with the reason's name. */
    record Notice(String ticket, UUID holder, boolean granted, String reason) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    boolean idle() {
        return used == 0 && waiters.isEmpty();
    }

    /** Grants waiters from the head while the count allows: strictly first in first out. */
    void grantFromHead(long now, List<Notice> notices) {
        while (!waiters.isEmpty() && used + waiters.get(0).count() <= permits) {
            WaiterRecord head = waiters.remove(0);
            used += head.count();
            leases.put(head.ticket(), new LeaseRecord(head.holder(), head.count(), now + leaseNanos));
            notices.add(new Notice(head.ticket(), head.holder(), true, null));
        }
    }

    /** Removes expired leases and waiters past their deadline; returns whether anything changed. */
    boolean sweep(long now, List<Notice> notices) {
        boolean changed = false;
        Iterator<Map.Entry<String, LeaseRecord>> leaseIt = leases.entrySet().iterator();
        while (leaseIt.hasNext()) {
            LeaseRecord lease = leaseIt.next().getValue();
            if (lease.expiry() <= now) {
                used -= lease.count();
                leaseIt.remove();
                changed = true;
            }
        }
        Iterator<WaiterRecord> waiterIt = waiters.iterator();
        while (waiterIt.hasNext()) {
            WaiterRecord waiter = waiterIt.next();
            if (waiter.deadline() <= now) {
                waiterIt.remove();
                notices.add(new Notice(waiter.ticket(), waiter.holder(), false, "QUEUE_TIMEOUT"));
                changed = true;
            }
        }
        return changed;
    }

    /** Drops everything a holder (a member or client that left) had: its leases and its waiters. */
    boolean dropHolder(UUID holder) {
        boolean changed = leases.values().removeIf(lease -> {
            if (lease.holder().equals(holder)) {
                used -= lease.count();
                return true;
            }
            return false;
        });
        return waiters.removeIf(waiter -> waiter.holder().equals(holder)) || changed;
    }
}
