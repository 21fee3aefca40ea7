package dev.sluice.hazelcast;

import com.hazelcast.map.EntryProcessor;
import java.util.List;
import java.util.Map;

/**
 * The entry processors of the fair rate lines ({@link RateLine}). Each runs on the partition owner of one
 * (policy, key) entry of {@value MapNames#RATE_LINES}, is deterministic given its fields (the caller passes its
 * cluster "now"), so the backup replays it to the same state, and first drops the waiters no node claims any more.
 */
final class RateLineOps {
    private RateLineOps() {}

    enum Code { QUEUED, FLOW_FULL, ADMITTED, WAIT, UNKNOWN, DONE }

    private static final Outcome UNKNOWN = Outcome.of(Code.UNKNOWN, Long.MIN_VALUE);
    private static final Outcome DONE = Outcome.of(Code.DONE, Long.MIN_VALUE);

    /**
     * What a processor decided.
     *
     * @param dues for {@link Join} and {@link Claim}: the waiter's due time (for {@link Code#FLOW_FULL}: when the
     *             flow's first waiter is due); for {@link Reslot}: one per id it was given, {@code Long.MIN_VALUE}
     *             for a waiter the line does not hold
     */
    record Outcome(Code code, long[] dues) {
        static Outcome of(Code code, long due) {
            return new Outcome(code, new long[] {due});
        }

        long due() {
            return dues[0];
        }
    }

    /** The common shape: load the line (or not create it), drop expired waiters, apply, store or remove. */
    abstract static class Op implements EntryProcessor<String, RateLine, Outcome> {
        final long now;

        Op(long now) {
            this.now = now;
        }

        @Override
        public Outcome process(Map.Entry<String, RateLine> entry) {
            RateLine line = entry.getValue();
            boolean existed = line != null;
            if (line == null) {
                if (!creates()) {
                    return UNKNOWN;
                }
                line = new RateLine();
            }
            boolean expired = line.expire(now);
            Outcome outcome = apply(line);
            if (line.isEmpty()) {
                if (existed) {
                    entry.setValue(null);
                }
            } else if (outcome.code() != Code.UNKNOWN || expired || !existed) {
                entry.setValue(line);
            }
            return outcome;
        }

        boolean creates() {
            return false;
        }

        abstract Outcome apply(RateLine line);
    }

    /** A request that reserved {@code cost} tokens, due at {@code reservedDue}, joins its flow's end. */
    static final class Join extends Op {
        final long id;
        final Flow flow;
        final long cost;
        final long reservedDue;
        final long deadline;

        Join(long now, long id, Flow flow, long cost, long reservedDue, long deadline) {
            super(now);
            this.id = id;
            this.flow = flow;
            this.cost = cost;
            this.reservedDue = reservedDue;
            this.deadline = deadline;
        }

        @Override
        boolean creates() {
            return true;
        }

        @Override
        Outcome apply(RateLine line) {
            if (line.waiting(flow.name()) >= flow.depth()) {
                return Outcome.of(Code.FLOW_FULL, line.firstDueOf(flow.name()));
            }
            line.join(id, flow.name(), flow.weight(), cost, reservedDue, deadline);
            return Outcome.of(Code.QUEUED, line.schedule().get(id));
        }
    }

    /** A processor on one waiter of the line, which answers {@link Code#UNKNOWN} when the line does not hold it. */
    abstract static class OnWaiter extends Op {
        final long id;

        OnWaiter(long now, long id) {
            super(now);
            this.id = id;
        }

        @Override
        final Outcome apply(RateLine line) {
            RateLine.Waiter waiter = line.find(id);
            return waiter == null ? UNKNOWN : apply(line, waiter);
        }

        abstract Outcome apply(RateLine line, RateLine.Waiter waiter);
    }

    /** A waiter whose time has come: admitted when its units are due, else told when they are. */
    static final class Claim extends OnWaiter {
        Claim(long now, long id) {
            super(now, id);
        }

        @Override
        Outcome apply(RateLine line, RateLine.Waiter waiter) {
            long due = line.schedule().get(id);
            if (due <= now) {
                line.admit(waiter);
                return Outcome.of(Code.ADMITTED, due);
            }
            return Outcome.of(Code.WAIT, due);
        }
    }

    /** A waiter leaves (cancelled, refused); its node gives its tokens back to the bucket. */
    static final class Leave extends OnWaiter {
        Leave(long now, long id) {
            super(now, id);
        }

        @Override
        Outcome apply(RateLine line, RateLine.Waiter waiter) {
            line.leave(waiter);
            return DONE;
        }
    }

    /**
     * A live change on one node: each of {@code ids} gave its reservation back to the bucket and reserved again
     * under the new configuration, due at the same index of {@code reservedDues} ({@code Long.MIN_VALUE}: nothing
     * reserved); answers the new due time of each.
     */
    static final class Reslot extends Op {
        final long[] ids;
        final long[] reservedDues;

        Reslot(long now, long[] ids, long[] reservedDues) {
            super(now);
            this.ids = ids.clone();
            this.reservedDues = reservedDues.clone();
        }

        @Override
        Outcome apply(RateLine line) {
            line.reslot(ids, reservedDues);
            Map<Long, Long> schedule = line.schedule();
            long[] dues = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                dues[i] = schedule.getOrDefault(ids[i], Long.MIN_VALUE);
            }
            return new Outcome(Code.DONE, dues);
        }
    }

    /** The serializers of the processors and the outcome. */
    static List<Codec<?>> serializers() {
        return List.of(RateLine.CODEC,
                new Codec<>(Outcome.class, (out, outcome) -> {
                    out.writeInt(outcome.code().ordinal());
                    out.writeLongArray(outcome.dues());
                }, in -> new Outcome(Code.values()[in.readInt()], in.readLongArray())),
                new Codec<>(Join.class, (out, join) -> {
                    out.writeLong(join.now);
                    out.writeLong(join.id);
                    SemaphoreCodecs.writeFlow(out, join.flow);
                    out.writeLong(join.cost);
                    out.writeLong(join.reservedDue);
                    out.writeLong(join.deadline);
                }, in -> new Join(in.readLong(), in.readLong(), SemaphoreCodecs.readFlow(in), in.readLong(),
                        in.readLong(), in.readLong())),
                new Codec<>(Claim.class, (out, claim) -> {
                    out.writeLong(claim.now);
                    out.writeLong(claim.id);
                }, in -> new Claim(in.readLong(), in.readLong())),
                new Codec<>(Leave.class, (out, leave) -> {
                    out.writeLong(leave.now);
                    out.writeLong(leave.id);
                }, in -> new Leave(in.readLong(), in.readLong())),
                new Codec<>(Reslot.class, (out, reslot) -> {
                    out.writeLong(reslot.now);
                    out.writeLongArray(reslot.ids);
                    out.writeLongArray(reslot.reservedDues);
                }, in -> new Reslot(in.readLong(), in.readLongArray(), in.readLongArray())));
    }
}
