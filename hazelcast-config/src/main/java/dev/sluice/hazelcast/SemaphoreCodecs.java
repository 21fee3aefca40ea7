package dev.sluice.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** The serializers of {@link SemaphoreOps}' processors and outcome, and the field forms they share. */
final class SemaphoreCodecs {
    private SemaphoreCodecs() {}

    static void writeUuid(ObjectDataOutput out, UUID uuid) throws IOException {
        out.writeLong(uuid.getMostSignificantBits());
        out.writeLong(uuid.getLeastSignificantBits());
    }

    static UUID readUuid(ObjectDataInput in) throws IOException {
        return new UUID(in.readLong(), in.readLong());
    }

    static void writeDefinition(ObjectDataOutput out, Definition definition) throws IOException {
        out.writeLong(definition.version());
        out.writeLong(definition.permits());
        out.writeLong(definition.leaseNanos());
        out.writeInt(definition.depth());
    }

    static Definition readDefinition(ObjectDataInput in) throws IOException {
        return new Definition(in.readLong(), in.readLong(), in.readLong(), in.readInt());
    }

    static void writeFlow(ObjectDataOutput out, Flow flow) throws IOException {
        out.writeString(flow.name());
        out.writeInt(flow.weight());
        out.writeInt(flow.depth());
    }

    static Flow readFlow(ObjectDataInput in) throws IOException {
        return new Flow(in.readString(), in.readInt(), in.readInt());
    }

    static void writeCaller(ObjectDataOutput out, SemaphoreOps.Caller caller) throws IOException {
        out.writeLong(caller.now());
        out.writeInt(caller.departed().size());
        for (UUID holder : caller.departed()) {
            writeUuid(out, holder);
        }
    }

    static SemaphoreOps.Caller readCaller(ObjectDataInput in) throws IOException {
        long now = in.readLong();
        int departed = in.readInt();
        Set<UUID> holders = new HashSet<>();
        for (int i = 0; i < departed; i++) {
            holders.add(readUuid(in));
        }
        return new SemaphoreOps.Caller(now, holders);
    }

    /** The serializers of the processors and the outcome (fields are read in the order they are written). */
    static List<Codec<?>> serializers() {
        return List.of(
                new Codec<>(SemaphoreOps.Outcome.class, (out, outcome) -> {
                    out.writeString(outcome.code().name());
                    out.writeLong(outcome.used());
                    out.writeInt(outcome.queued());
                    out.writeObject(outcome.notices());
                    out.writeLongArray(outcome.missing());
                }, in -> new SemaphoreOps.Outcome(SemaphoreOps.Code.valueOf(in.readString()), in.readLong(),
                        in.readInt(), in.readObject(), in.readLongArray())),
                new Codec<>(SemaphoreOps.Acquire.class, (out, op) -> {
                    out.writeLong(op.ticket);
                    writeUuid(out, op.holder);
                    out.writeLong(op.count);
                    writeDefinition(out, op.definition);
                    out.writeLong(op.deadline);
                    writeFlow(out, op.flow);
                    writeCaller(out, op.caller);
                }, in -> new SemaphoreOps.Acquire(in.readLong(), readUuid(in), in.readLong(), readDefinition(in),
                        in.readLong(), readFlow(in), readCaller(in))),
                new Codec<>(SemaphoreOps.Release.class, (out, op) -> {
                    out.writeLong(op.ticket);
                    writeCaller(out, op.caller);
                }, in -> new SemaphoreOps.Release(in.readLong(), readCaller(in))),
                new Codec<>(SemaphoreOps.Leave.class, (out, op) -> {
                    out.writeLong(op.ticket);
                    writeCaller(out, op.caller);
                }, in -> new SemaphoreOps.Leave(in.readLong(), readCaller(in))),
                new Codec<>(SemaphoreOps.Renew.class, (out, op) -> {
                    out.writeLongArray(op.tickets);
                    writeCaller(out, op.caller);
                }, in -> new SemaphoreOps.Renew(in.readLongArray(), readCaller(in))),
                new Codec<>(SemaphoreOps.Sweep.class, (out, op) -> writeCaller(out, op.caller),
                        in -> new SemaphoreOps.Sweep(readCaller(in))),
                new Codec<>(SemaphoreOps.Reconfigure.class, (out, op) -> {
                    writeDefinition(out, op.definition);
                    writeCaller(out, op.caller);
                }, in -> new SemaphoreOps.Reconfigure(readDefinition(in), readCaller(in))),
                new Codec<>(SemaphoreOps.Poll.class, (out, op) -> {
                    out.writeLong(op.ticket);
                    writeCaller(out, op.caller);
                }, in -> new SemaphoreOps.Poll(in.readLong(), readCaller(in))),
                new Codec<>(SemaphoreOps.RefuseWaiters.class, (out, op) -> writeCaller(out, op.caller),
                        in -> new SemaphoreOps.RefuseWaiters(readCaller(in))),
                new Codec<>(SemaphoreOps.Read.class, (out, op) -> writeCaller(out, op.caller),
                        in -> new SemaphoreOps.Read(readCaller(in))),
                new Codec<>(SemaphoreOps.OnLocalEntries.class, (out, task) -> {
                    out.writeString(task.prefix);
                    out.writeObject(task.op);
                }, in -> new SemaphoreOps.OnLocalEntries(in.readString(), in.readObject())));
    }
}
