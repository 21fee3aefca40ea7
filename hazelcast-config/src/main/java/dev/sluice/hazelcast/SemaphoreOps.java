package dev.sluice.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;
import dev.sluice.core.Reason;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * The entry processors of the cluster semaphores, and the serializers that carry them. Each runs on the partition
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
        static final String TYPE = "sluice.semaphore.Outcome";
        private static final long[] NONE = new long[0];

        static Outcome of(Code code) {
            return new Outcome(code, 0, 0, Notice.Batch.EMPTY, NONE);
        }

        static final class Serializer implements CompactSerializer<Outcome> {
            @Override
            public Outcome read(CompactReader in) {
                return new Outcome(Code.valueOf(in.readString("code")), in.readInt64("used"), in.readInt32("queued"),
                        in.readCompact("notices"), in.readArrayOfInt64("missing"));
            }

            @Override
            public void write(CompactWriter out, Outcome outcome) {
                out.writeString("code", outcome.code().name());
                out.writeInt64("used", outcome.used());
                out.writeInt32("queued", outcome.queued());
                out.writeCompact("notices", outcome.notices());
                out.writeArrayOfInt64("missing", outcome.missing());
            }

            @Override
            public String getTypeName() {
                return TYPE;
            }

            @Override
            public Class<Outcome> getCompactClass() {
                return Outcome.class;
            }
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
     * joins the line (within the depth, when the request may wait) or is refused.
     */
    static final class Acquire extends Op {
        static final String TYPE = "sluice.semaphore.Acquire";
        final long ticket;
        final UUID holder;
        final long count;
        final Definition definition;
        final long deadline;

        Acquire(long ticket, UUID holder, long count, Definition definition, long deadline, Caller caller) {
            super(caller);
            this.ticket = ticket;
            this.holder = holder;
            this.count = count;
            this.definition = definition;
            this.deadline = deadline;
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
            if (state.waiters.size() >= state.depth) {
                return Code.REFUSED_QUEUE_FULL;
            }
            state.waiters.addLast(new SemaphoreState.WaiterRecord(ticket, holder, count, now, deadline));
            step.changed = true;
            return Code.QUEUED;
        }
    }

    /** Gives lease {@code ticket} back and grants waiters from the head. */
    static final class Release extends Op {
        static final String TYPE = "sluice.semaphore.Release";
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
        static final String TYPE = "sluice.semaphore.Leave";
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
        static final String TYPE = "sluice.semaphore.Renew";
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
        static final String TYPE = "sluice.semaphore.Sweep";

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
        static final String TYPE = "sluice.semaphore.Reconfigure";
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
        static final String TYPE = "sluice.semaphore.Poll";
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
        static final String TYPE = "sluice.semaphore.RefuseWaiters";

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
        static final String TYPE = "sluice.semaphore.Read";
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
        static final String TYPE = "sluice.semaphore.OnLocalEntries";
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
            IMap<String, SemaphoreState> map = hazelcast.getMap(HazelcastBackend.SEMAPHORES);
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

    // ---------------------------------------------------------------- serializers

    static void writeUuid(CompactWriter out, String name, UUID uuid) {
        out.writeInt64(name + "Most", uuid.getMostSignificantBits());
        out.writeInt64(name + "Least", uuid.getLeastSignificantBits());
    }

    static UUID readUuid(CompactReader in, String name) {
        return new UUID(in.readInt64(name + "Most"), in.readInt64(name + "Least"));
    }

    static void writeDefinition(CompactWriter out, Definition definition) {
        out.writeInt64("version", definition.version());
        out.writeInt64("permits", definition.permits());
        out.writeInt64("leaseNanos", definition.leaseNanos());
        out.writeInt32("depth", definition.depth());
    }

    static Definition readDefinition(CompactReader in) {
        return new Definition(in.readInt64("version"), in.readInt64("permits"), in.readInt64("leaseNanos"),
                in.readInt32("depth"));
    }

    /** A serializer written as two lambdas: every processor here has a handful of fields. */
    record Codec<T>(String typeName, Class<T> type, java.util.function.BiConsumer<CompactWriter, T> writer,
            Function<CompactReader, T> reader) implements CompactSerializer<T> {
        @Override
        public T read(CompactReader in) {
            return reader.apply(in);
        }

        @Override
        public void write(CompactWriter out, T object) {
            writer.accept(out, object);
        }

        @Override
        public String getTypeName() {
            return typeName;
        }

        @Override
        public Class<T> getCompactClass() {
            return type;
        }
    }

    static void writeCaller(CompactWriter out, Caller caller) {
        out.writeInt64("now", caller.now());
        long[] departed = new long[2 * caller.departed().size()];
        int i = 0;
        for (UUID holder : caller.departed()) {
            departed[i++] = holder.getMostSignificantBits();
            departed[i++] = holder.getLeastSignificantBits();
        }
        out.writeArrayOfInt64("departed", departed);
    }

    static Caller readCaller(CompactReader in) {
        long[] departed = in.readArrayOfInt64("departed");
        Set<UUID> holders = new HashSet<>();
        for (int i = 0; i + 1 < departed.length; i += 2) {
            holders.add(new UUID(departed[i], departed[i + 1]));
        }
        return new Caller(in.readInt64("now"), holders);
    }

    /** The serializers of this file's types, with their stable type names. */
    static List<CompactSerializer<?>> serializers() {
        return List.of(
                new Outcome.Serializer(),
                new Codec<>(Acquire.TYPE, Acquire.class, (out, op) -> {
                    out.writeInt64("ticket", op.ticket);
                    writeUuid(out, "holder", op.holder);
                    out.writeInt64("count", op.count);
                    writeDefinition(out, op.definition);
                    out.writeInt64("deadline", op.deadline);
                    writeCaller(out, op.caller);
                }, in -> new Acquire(in.readInt64("ticket"), readUuid(in, "holder"), in.readInt64("count"),
                        readDefinition(in), in.readInt64("deadline"), readCaller(in))),
                new Codec<>(Release.TYPE, Release.class, (out, op) -> {
                    out.writeInt64("ticket", op.ticket);
                    writeCaller(out, op.caller);
                }, in -> new Release(in.readInt64("ticket"), readCaller(in))),
                new Codec<>(Leave.TYPE, Leave.class, (out, op) -> {
                    out.writeInt64("ticket", op.ticket);
                    writeCaller(out, op.caller);
                }, in -> new Leave(in.readInt64("ticket"), readCaller(in))),
                new Codec<>(Renew.TYPE, Renew.class, (out, op) -> {
                    out.writeArrayOfInt64("tickets", op.tickets);
                    writeCaller(out, op.caller);
                }, in -> new Renew(in.readArrayOfInt64("tickets"), readCaller(in))),
                new Codec<>(Sweep.TYPE, Sweep.class, (out, op) -> writeCaller(out, op.caller),
                        in -> new Sweep(readCaller(in))),
                new Codec<>(Reconfigure.TYPE, Reconfigure.class, (out, op) -> {
                    writeDefinition(out, op.definition);
                    writeCaller(out, op.caller);
                }, in -> new Reconfigure(readDefinition(in), readCaller(in))),
                new Codec<>(Poll.TYPE, Poll.class, (out, op) -> {
                    out.writeInt64("ticket", op.ticket);
                    writeCaller(out, op.caller);
                }, in -> new Poll(in.readInt64("ticket"), readCaller(in))),
                new Codec<>(RefuseWaiters.TYPE, RefuseWaiters.class, (out, op) -> writeCaller(out, op.caller),
                        in -> new RefuseWaiters(readCaller(in))),
                new Codec<>(Read.TYPE, Read.class, (out, op) -> writeCaller(out, op.caller),
                        in -> new Read(readCaller(in))),
                new Codec<>(OnLocalEntries.TYPE, OnLocalEntries.class, (out, task) -> {
                    out.writeString("prefix", task.prefix);
                    out.writeCompact("op", task.op);
                }, in -> new OnLocalEntries(in.readString("prefix"), in.readCompact("op"))));
    }
}
