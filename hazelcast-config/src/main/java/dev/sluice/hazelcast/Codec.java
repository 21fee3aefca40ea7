package dev.sluice.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.StreamSerializer;
import java.io.IOException;

/**
 * The stream serializer of one of Sluice's types, under the type id {@link SluiceSerialization} gives that type:
 * how its fields are written, and read back in the same order. A changed wire form takes a new type id; an id is
 * never reused. Stateless and thread-safe.
 */
final class Codec<T> implements StreamSerializer<T> {
    interface Writer<T> {
        void write(ObjectDataOutput out, T value) throws IOException;
    }

    interface Reader<T> {
        T read(ObjectDataInput in) throws IOException;
    }

    private final Class<T> type;
    private final int typeId;
    private final Writer<T> writer;
    private final Reader<T> reader;

    Codec(Class<T> type, Writer<T> writer, Reader<T> reader) {
        this.type = type;
        this.typeId = SluiceSerialization.typeId(type);
        this.writer = writer;
        this.reader = reader;
    }

    Class<T> type() {
        return type;
    }

    @Override
    public int getTypeId() {
        return typeId;
    }

    @Override
    public void write(ObjectDataOutput out, T value) throws IOException {
        writer.write(out, value);
    }

    @Override
    public T read(ObjectDataInput in) throws IOException {
        return reader.read(in);
    }
}
