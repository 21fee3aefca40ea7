package dev.sluice.hazelcast;

import com.hazelcast.map.EntryProcessor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The entry processors of the cluster semaphores. Each runs on the partition owner of one (policy, key) entry, reads
 * and writes it atomically, and is deterministic given its fields (the caller passes "now" and every id), so the
 * backup replica replays it to the same state.
 */
final class SemaphoreOps {
    private SemaphoreOps() {}

    enum Code { GRANTED, QUEUED, REFUSED_CONCURRENCY, REFUSED_QUEUE_FULL, REMOVED, ABSENT, HELD }

    /** What a processor decided, and the waiters it granted or refused on the way (to be told to their nodes). */
    record Result(Code code, long used, long queued, List<SemaphoreState.Notice> notices) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    private abstract static class Op implements EntryProcessor<String, SemaphoreState, Result> {
        private static final long serialVersionUID = 1L;

        @Override
        public final Result process(Map.Entry<String, SemaphoreState> entry) {
            SemaphoreState state = entry.getValue();
            boolean existed = state != null;
            if (state == null) {
                state = new SemaphoreState();
            }
            List<SemaphoreState.Notice> notices = new ArrayList<>();
            Code code = apply(state, notices);
            if (state.idle()) {
                if (existed) {
                    entry.setValue(null);
                }
            } else {
                entry.setValue(state);
            }
            return new Result(code, state.used, state.waiters.size(), notices);
        }

        abstract Code apply(SemaphoreState state, List<SemaphoreState.Notice> notices);
    }

    /** Takes {@code count} permits as lease {@code ticket}, or waits in line, or is refused. */
    static final class Acquire extends Op {
        private static final long serialVersionUID = 1L;
        private final String ticket;
        private final UUID holder;
        private final long count;
        private final long permits;
        private final long leaseNanos;
        private final int depth;
        private final long deadline;
        private final long now;

        Acquire(String ticket, UUID holder, long count, long permits, long leaseNanos, int depth, long deadline,
                long now) {
            this.ticket = ticket;
            this.holder = holder;
            this.count = count;
            this.permits = permits;
            this.leaseNanos = leaseNanos;
            this.depth = depth;
            this.deadline = deadline;
            this.now = now;
        }

        @Override
        Code apply(SemaphoreState state, List<SemaphoreState.Notice> notices) {
            state.permits = permits;
            state.leaseNanos = leaseNanos;
            state.sweep(now, notices);
            state.grantFromHead(now, notices);
            if (state.waiters.isEmpty() && state.used + count <= state.permits) {
                state.used += count;
                state.leases.put(ticket, new SemaphoreState.LeaseRecord(holder, count, now + leaseNanos));
                return Code.GRANTED;
            }
            if (depth == 0 || deadline <= now) {
                return Code.REFUSED_CONCURRENCY;
            }
            if (state.waiters.size() >= depth) {
                return Code.REFUSED_QUEUE_FULL;
            }
            state.waiters.add(new SemaphoreState.WaiterRecord(ticket, holder, count, now, deadline));
            return Code.QUEUED;
        }
    }

    /** Gives lease {@code ticket} back and grants waiters from the head. */
    static final class Release extends Op {
        private static final long serialVersionUID = 1L;
        private final String ticket;
        private final long now;

        Release(String ticket, long now) {
            this.ticket = ticket;
            this.now = now;
        }

        @Override
        Code apply(SemaphoreState state, List<SemaphoreState.Notice> notices) {
            SemaphoreState.LeaseRecord lease = state.leases.remove(ticket);
            if (lease == null) {
                return Code.ABSENT;
            }
            state.used -= lease.count();
            state.grantFromHead(now, notices);
            return Code.REMOVED;
        }
    }

    /**
     * A waiter leaves the line (its request was cancelled or timed out on its node). Answers {@code HELD} when it
     * had been granted meanwhile: the caller then owns the lease and must release it or use it.
     */
    static final class Leave extends Op {
        private static final long serialVersionUID = 1L;
        private final String ticket;
        private final long now;

        Leave(String ticket, long now) {
            this.ticket = ticket;
            this.now = now;
        }

        @Override
        Code apply(SemaphoreState state, List<SemaphoreState.Notice> notices) {
            if (state.waiters.removeIf(waiter -> waiter.ticket().equals(ticket))) {
                state.grantFromHead(now, notices);
                return Code.REMOVED;
            }
            return state.leases.containsKey(ticket) ? Code.HELD : Code.ABSENT;
        }
    }

    /** Extends the leases of a live holder. */
    static final class Renew extends Op {
        private static final long serialVersionUID = 1L;
        private final Set<String> tickets;
        private final long now;

        Renew(Set<String> tickets, long now) {
            this.tickets = Set.copyOf(tickets);
            this.now = now;
        }

        @Override
        Code apply(SemaphoreState state, List<SemaphoreState.Notice> notices) {
            for (String ticket : tickets) {
                SemaphoreState.LeaseRecord lease = state.leases.get(ticket);
                if (lease != null) {
                    state.leases.put(ticket, new SemaphoreState.LeaseRecord(lease.holder(), lease.count(),
                            now + state.leaseNanos));
                }
            }
            return Code.HELD;
        }
    }

    /** Drops expired leases and late waiters; the freed permits go to the waiters at the head. */
    static final class Sweep extends Op {
        private static final long serialVersionUID = 1L;
        private final long now;

        Sweep(long now) {
            this.now = now;
        }

        @Override
        Code apply(SemaphoreState state, List<SemaphoreState.Notice> notices) {
            if (state.sweep(now, notices)) {
                state.grantFromHead(now, notices);
            }
            return Code.HELD;
        }
    }

    /** A live change: a new full count (held leases stay) and a new depth (the excess at the tail is refused). */
    static final class Reconfigure extends Op {
        private static final long serialVersionUID = 1L;
        private final long permits;
        private final long leaseNanos;
        private final int depth;
        private final long now;

        Reconfigure(long permits, long leaseNanos, int depth, long now) {
            this.permits = permits;
            this.leaseNanos = leaseNanos;
            this.depth = depth;
            this.now = now;
        }

        @Override
        Code apply(SemaphoreState state, List<SemaphoreState.Notice> notices) {
            state.permits = permits;
            state.leaseNanos = leaseNanos;
            while (state.waiters.size() > depth) {
                SemaphoreState.WaiterRecord last = state.waiters.remove(state.waiters.size() - 1);
                notices.add(new SemaphoreState.Notice(last.ticket(), last.holder(), false, "QUEUE_FULL"));
            }
            state.grantFromHead(now, notices);
            return Code.HELD;
        }
    }

    /** A member or client left: everything it held or waited for is dropped. */
    static final class DropHolder extends Op {
        private static final long serialVersionUID = 1L;
        private final UUID holder;
        private final long now;

        DropHolder(UUID holder, long now) {
            this.holder = holder;
            this.now = now;
        }

        @Override
        Code apply(SemaphoreState state, List<SemaphoreState.Notice> notices) {
            if (state.dropHolder(holder)) {
                state.grantFromHead(now, notices);
            }
            return Code.HELD;
        }
    }

    /** Whether a ticket waits, holds a lease, or is unknown (for the safety poll). */
    static final class Status extends Op {
        private static final long serialVersionUID = 1L;
        private final String ticket;

        Status(String ticket) {
            this.ticket = ticket;
        }

        @Override
        Code apply(SemaphoreState state, List<SemaphoreState.Notice> notices) {
            if (state.leases.containsKey(ticket)) {
                return Code.GRANTED;
            }
            for (SemaphoreState.WaiterRecord waiter : state.waiters) {
                if (waiter.ticket().equals(ticket)) {
                    return Code.QUEUED;
                }
            }
            return Code.ABSENT;
        }

        @Override
        public EntryProcessor<String, SemaphoreState, Result> getBackupProcessor() {
            return null;
        }
    }

    /** Reads an entry without changing it (for the management API). */
    static final class Read extends Op {
        private static final long serialVersionUID = 1L;

        @Override
        Code apply(SemaphoreState state, List<SemaphoreState.Notice> notices) {
            return Code.HELD;
        }

        @Override
        public EntryProcessor<String, SemaphoreState, Result> getBackupProcessor() {
            return null;
        }
    }
}
