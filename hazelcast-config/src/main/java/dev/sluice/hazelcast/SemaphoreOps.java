package dev.sluice.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import dev.sluice.core.Reason;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * The entry processors of the cluster semaphores ({@link SemaphoreCodecs} carries them). Each runs on the partition
 * owner of one (policy, key) entry, reads and writes it atomically, and is deterministic given its fields (the
 * caller passes "now", its identity and every ticket), so the backup replays it to the same state. Every processor
 * first drops what has expired at "now", so an entry in use heals itself even between the members' sweeps.
 */
final class SemaphoreOps {
    private SemaphoreOps() {}

    enum Code { GRANTED, QUEUED, REFUSED_CONCURRENCY, REFUSED_QUEUE_FULL, REMOVED, ABSENT, HELD, DONE }

    /**
     * What a processor decided, and the waiters it granted or refused on the way (to be told to their nodes).
     *
     * @param used    permits in use afterwards
     * @param queued  waiters afterwards
     * @param missing for {@link Renew}: tickets that no longer hold a lease
     */
    record Outcome(Code code, long used, int queued, Notice.Batch notices, long[] missing) {
        private static final long[] NONE = new long[0];

        static Outcome of(Code code) {
            return new Outcome(code, 0, 0, Notice.Batch.EMPTY, NONE);
        }
    }

    /** What one run of a processor changed; the entry is written (and backed up) only when something did. */
    static final class Step {
        final List<Notice> notices = new ArrayList<>();
        boolean changed;

        void changed(boolean changedNow) {
            changed |= changedNow;
        }
    }

    /**
     * What the calling node brings to every processor: its "now" (cluster clock) and the members it has seen leave
     * (recently), whose leases and waiters any processor drops, so that an entry heals on its next use wherever its
     * partition ended up.
     */
    record Caller(long now, Set<UUID> departed) {
        Caller {
            departed = Set.copyOf(departed);
        }

        static Caller at(long now) {
            return new Caller(now, Set.of());
        }
    }

    /** The common shape: load (or not create) the entry, drop what expired or departed, apply, store if changed. */
    abstract static class Op implements EntryProcessor<String, SemaphoreState, Outcome> {
        final Caller caller;
        final long now;

        Op(Caller caller) {
            this.caller = caller;
            this.now = caller.now();
        }

        @Override
        public Outcome process(Map.Entry<String, SemaphoreState> entry) {
            SemaphoreState state = entry.getValue();
            boolean existed = state != null;
            if (!existed) {
                if (!createsEntry()) {
                    return absent();
                }
                state = new SemaphoreState();
            }
            Step step = new Step();
            step.changed(state.sweep(now, caller.departed(), step.notices));
            Code code = apply(state, step);
            if (step.changed || !existed) {
                if (state.idle()) {
                    if (existed) {
                        entry.setValue(null);
                    }
                } else {
                    entry.setValue(state);
                }
            }
            List<Notice> notices = new ArrayList<>(step.notices.size());
            for (Notice notice : step.notices) {
                notices.add(notice.withKey(entry.getKey()));
            }
            return new Outcome(code, state.used, state.waiters.size(), new Notice.Batch(notices), missing(state));
        }

        boolean createsEntry() {
            return false;
        }

        Outcome absent() {
            return Outcome.of(Code.ABSENT);
        }

        long[] missing(SemaphoreState state) {
            return Outcome.NONE;
        }

        abstract Code apply(SemaphoreState state, Step step);
    }

    /**
     * Takes {@code count} permits as lease {@code ticket} when no one waits ahead and the count allows; otherwise
     * joins the line at its flow's place (within the queue's depth and its flow's, when the request may wait) or is
     * refused. A full flow is refused with {@code REFUSED_QUEUE_FULL} while other flows still join.
     */
    static final class Acquire extends Op {
        final long ticket;
        final UUID holder;
        final long count;
        final Definition definition;
        final long deadline;
        final Flow flow;

        Acquire(long ticket, UUID holder, long count, Definition definition, long deadline, Flow flow,
                Caller caller) {
            super(caller);
            this.ticket = ticket;
            this.holder = holder;
            this.count = count;
            this.definition = definition;
            this.deadline = deadline;
            this.flow = flow;
        }

        @Override
        boolean createsEntry() {
            return true;
        }

        @Override
        Code apply(SemaphoreState state, Step step) {
            step.changed(state.adopt(definition, step.notices));
            step.changed(state.grantFromHead(now, step.notices));
            if (state.waiters.isEmpty() && state.used + count <= state.permits) {
                state.used += count;
                state.leases.put(ticket, new SemaphoreState.LeaseRecord(holder, count, now + state.leaseNanos));
                step.changed = true;
                return Code.GRANTED;
            }
            if (state.depth == 0 || deadline <= now) {
                return Code.REFUSED_CONCURRENCY;
            }
            if (state.waiters.size() >= state.depth || !state.flowHasRoom(flow)) {
                return Code.REFUSED_QUEUE_FULL;
            }
            state.enqueue(ticket, holder, count, now, deadline, flow);
            step.changed = true;
            return Code.QUEUED;
        }
    }

    /** Gives lease {@code ticket} back and grants waiters in serving order. */
    static final class Release extends Op {
        final long ticket;

        Release(long ticket, Caller caller) {
            super(caller);
            this.ticket = ticket;
        }

        @Override
        Code apply(SemaphoreState state, Step step) {
            SemaphoreState.LeaseRecord lease = state.leases.remove(ticket);
            if (lease == null) {
                return Code.ABSENT;
            }
            state.used -= lease.count();
            state.grantFromHead(now, step.notices);
            step.changed = true;
            return Code.REMOVED;
        }
    }

    /**
     * A waiter leaves the line (its request was cancelled or waited too long on its node), and those behind it are
     * granted if they now can. Answers {@code HELD} when it had been granted meanwhile: the caller then owns the
     * lease and must use it or release it.
     */
    static final class Leave extends Op {
        final long ticket;

        Leave(long ticket, Caller caller) {
            super(caller);
            this.ticket = ticket;
        }

        @Override
        Code apply(SemaphoreState state, Step step) {
            if (state.waiters.removeIf(waiter -> waiter.ticket() == ticket)) {
                state.grantFromHead(now, step.notices);
                step.changed = true;
                return Code.REMOVED;
            }
            return state.leases.containsKey(ticket) ? Code.HELD : Code.ABSENT;
        }
    }

    /** The heartbeat: extends the leases a live holder still runs requests under, by a full lease time. */
    static final class Renew extends Op {
        final long[] tickets;

        Renew(long[] tickets, Caller caller) {
            super(caller);
            this.tickets = tickets.clone();
        }

        @Override
        Outcome absent() {
            return new Outcome(Code.ABSENT, 0, 0, Notice.Batch.EMPTY, tickets.clone());
        }

        @Override
        Code apply(SemaphoreState state, Step step) {
            for (long ticket : tickets) {
                SemaphoreState.LeaseRecord lease = state.leases.get(ticket);
                if (lease != null) {
                    state.leases.put(ticket, new SemaphoreState.LeaseRecord(lease.holder(), lease.count(),
                            now + state.leaseNanos));
                    step.changed = true;
                }
            }
            return Code.DONE;
        }

        @Override
        long[] missing(SemaphoreState state) {
            return java.util.Arrays.stream(tickets).filter(ticket -> !state.leases.containsKey(ticket)).toArray();
        }
    }

    /** The sweeper's pass: what every processor does first (drop expired leases, late waiters, departed holders). */
    static final class Sweep extends Op {

        Sweep(Caller caller) {
            super(caller);
        }

        @Override
        Code apply(SemaphoreState state, Step step) {
            return Code.DONE;
        }
    }

    /** A live change: the entry follows the new definition if it is newer, by the difference. */
    static final class Reconfigure extends Op {
        final Definition definition;

        Reconfigure(Definition definition, Caller caller) {
            super(caller);
            this.definition = definition;
        }

        @Override
        Code apply(SemaphoreState state, Step step) {
            step.changed(state.adopt(definition, step.notices));
            step.changed(state.grantFromHead(now, step.notices));
            return Code.DONE;
        }
    }

    /**
     * The safety poll of a waiter whose notice may have been lost: drops what expired, grants what can be granted,
     * and answers whether {@code ticket} now holds a lease ({@code GRANTED}), still waits ({@code QUEUED}) or is
     * unknown ({@code ABSENT}: refused or dropped).
     */
    static final class Poll extends Op {
        final long ticket;

        Poll(long ticket, Caller caller) {
            super(caller);
            this.ticket = ticket;
        }

        @Override
        Code apply(SemaphoreState state, Step step) {
            step.changed(state.grantFromHead(now, step.notices));
            if (state.leases.containsKey(ticket)) {
                return Code.GRANTED;
            }
            for (SemaphoreState.WaiterRecord waiter : state.waiters) {
                if (waiter.ticket() == ticket) {
                    return Code.QUEUED;
                }
            }
            return Code.ABSENT;
        }
    }

    /** Refuses every waiter of the entry (the key was reset); held leases stay valid. */
    static final class RefuseWaiters extends Op {

        RefuseWaiters(Caller caller) {
            super(caller);
        }

        @Override
        Code apply(SemaphoreState state, Step step) {
            if (state.waiters.isEmpty()) {
                return Code.ABSENT;
            }
            for (SemaphoreState.WaiterRecord waiter : state.waiters) {
                step.notices.add(Notice.refused(waiter.ticket(), waiter.holder(), Reason.CONCURRENCY, state.used));
            }
            state.waiters.clear();
            step.changed = true;
            return Code.REMOVED;
        }
    }

    /** Reads an entry as it stands at {@code now}, changing nothing (no backup); for the management API. */
    static final class Read implements EntryProcessor<String, SemaphoreState, Outcome> {
        final Caller caller;

        Read(Caller caller) {
            this.caller = caller;
        }

        @Override
        public Outcome process(Map.Entry<String, SemaphoreState> entry) {
            SemaphoreState state = entry.getValue();
            if (state == null) {
                return Outcome.of(Code.ABSENT);
            }
            long now = caller.now();
            int queued = (int) state.waiters.stream().filter(waiter -> waiter.deadline() > now
                    && !caller.departed().contains(waiter.holder())).count();
            return new Outcome(Code.HELD, state.usedAt(now, caller.departed()), queued, Notice.Batch.EMPTY,
                    Outcome.NONE);
        }

        @Override
        public EntryProcessor<String, SemaphoreState, Outcome> getBackupProcessor() {
            return null;
        }
    }

    /**
     * Runs on every member (through an executor service) and applies {@code op} to the semaphore entries the member
     * owns whose keys start with {@code prefix}: a live change of one policy ({@link Reconfigure}) or the drop of a
     * departed holder ({@link Sweep}, prefix empty). Because every member does it for its own entries, it reaches
     * every entry at once, also when the Sluice nodes are clients or when some members run no Sluice node. Answers
     * the decisions it caused, for the caller to deliver.
     */
    static final class OnLocalEntries implements Callable<Notice.Batch>, HazelcastInstanceAware {
        final String prefix;
        final Op op;
        private transient HazelcastInstance hazelcast;

        OnLocalEntries(String prefix, Op op) {
            this.prefix = prefix;
            this.op = op;
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance instance) {
            this.hazelcast = instance;
        }

        @Override
        public Notice.Batch call() {
            IMap<String, SemaphoreState> map = hazelcast.getMap(MapNames.SEMAPHORES);
            Set<String> keys = new HashSet<>();
            for (String key : map.localKeySet()) {
                if (key.startsWith(prefix)) {
                    keys.add(key);
                }
            }
            if (keys.isEmpty()) {
                return Notice.Batch.EMPTY;
            }
            List<Notice> notices = new ArrayList<>();
            for (Outcome outcome : map.executeOnKeys(keys, op).values()) {
                notices.addAll(outcome.notices().notices());
            }
            return new Notice.Batch(notices);
        }
    }
}
