package dev.sluice.hazelcast;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The replicated policy set as one IMap entry: every policy as JSON with its version, in order, and the store-wide
 * revision. Policy sets are small, so one entry makes every write a single atomic compare-and-set on the partition
 * owner, backed up before the write returns, and lets one entry listener tell every node the whole new list, in
 * the order the writes happened.
 */
final class StoredPolicies {
    static final String KEY = "policies";

    long revision;
    final List<Item> items = new ArrayList<>();

    record Item(String name, long version, String json) { }

    Item find(String name) {
        for (Item item : items) {
            if (item.name().equals(name)) {
                return item;
            }
        }
        return null;
    }

    /**
     * The outcome of a write: whether it happened, the item written or removed (null when there was none), the
     * version found (null when the policy did not exist), and the whole set afterwards.
     */
    record Outcome(boolean done, Item item, Long actual, List<Item> snapshot) {
        /** The {@code actual} of a write refused because the store entry was missing: never a real version. */
        private static final long MISSING = -1;

        static Outcome missing() {
            return new Outcome(false, null, MISSING, List.of());
        }

        /** Whether the write found no store at all (lost with a partition) and so wrote nothing. */
        boolean storeMissing() {
            return !done && actual != null && actual == MISSING;
        }
    }

    /** Seeds an empty store, atomically; answers what the store holds either way. */
    static final class Initialize implements EntryProcessor<String, StoredPolicies, Outcome> {
        final List<Item> seed;

        Initialize(List<Item> seed) {
            this.seed = List.copyOf(seed);
        }

        @Override
        public Outcome process(Map.Entry<String, StoredPolicies> entry) {
            StoredPolicies stored = entry.getValue();
            if (stored == null) {
                stored = new StoredPolicies();
                for (Item item : seed) {
                    stored.revision++;
                    stored.items.add(new Item(item.name(), stored.revision, item.json()));
                }
                entry.setValue(stored);
            }
            return new Outcome(true, null, null, List.copyOf(stored.items));
        }
    }

    /**
     * Creates, replaces ({@code json} set) or removes ({@code json} null) one policy if the condition holds:
     * {@code expected} null = always, 0 = must not exist, else the current version. A written policy gets the next
     * revision of the whole store, so versions never repeat, not even for a name deleted and created again.
     */
    static final class Write implements EntryProcessor<String, StoredPolicies, Outcome> {
        final String name;
        final String json;
        final Long expected;

        Write(String name, String json, Long expected) {
            this.name = name;
            this.json = json;
            this.expected = expected;
        }

        /**
         * A store entry that is missing was lost (every node creates it at start-up, {@link Initialize}): a write
         * there would replace every policy by this one, so it is refused and the caller seeds the store first.
         */
        @Override
        public Outcome process(Map.Entry<String, StoredPolicies> entry) {
            StoredPolicies stored = entry.getValue();
            if (stored == null) {
                return Outcome.missing();
            }
            Item current = stored.find(name);
            Long actual = current == null ? null : current.version();
            boolean holds = expected == null || (expected == 0 ? current == null
                    : actual != null && actual.longValue() == expected);
            if (!holds) {
                return new Outcome(false, null, actual, List.of());
            }
            if (json == null) {
                if (current == null) {
                    return new Outcome(true, null, null, List.copyOf(stored.items));
                }
                stored.items.remove(current);
                stored.revision++;
                entry.setValue(stored);
                return new Outcome(true, current, actual, List.copyOf(stored.items));
            }
            stored.revision++;
            Item written = new Item(name, stored.revision, json);
            if (current == null) {
                stored.items.add(written);
            } else {
                stored.items.set(stored.items.indexOf(current), written);
            }
            entry.setValue(stored);
            return new Outcome(true, written, actual, List.copyOf(stored.items));
        }
    }

    // ---------------------------------------------------------------- serializers

    private static void writeItems(ObjectDataOutput out, List<Item> items) throws IOException {
        out.writeInt(items.size());
        for (Item item : items) {
            out.writeString(item.name());
            out.writeLong(item.version());
            out.writeString(item.json());
        }
    }

    private static List<Item> readItems(ObjectDataInput in) throws IOException {
        int size = in.readInt();
        List<Item> items = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            items.add(new Item(in.readString(), in.readLong(), in.readString()));
        }
        return items;
    }

    private static void writeNullableLong(ObjectDataOutput out, Long value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeLong(value);
        }
    }

    private static Long readNullableLong(ObjectDataInput in) throws IOException {
        return in.readBoolean() ? in.readLong() : null;
    }

    /** The serializers of this file's types (fields are read in the order they are written). */
    static List<Codec<?>> serializers() {
        return List.of(
                new Codec<>(StoredPolicies.class, (out, stored) -> {
                    out.writeLong(stored.revision);
                    writeItems(out, stored.items);
                }, in -> {
                    StoredPolicies stored = new StoredPolicies();
                    stored.revision = in.readLong();
                    stored.items.addAll(readItems(in));
                    return stored;
                }),
                new Codec<>(Outcome.class, (out, outcome) -> {
                    out.writeBoolean(outcome.done());
                    writeItems(out, outcome.item() == null ? List.of() : List.of(outcome.item()));
                    writeNullableLong(out, outcome.actual());
                    writeItems(out, outcome.snapshot());
                }, in -> {
                    boolean done = in.readBoolean();
                    List<Item> written = readItems(in);
                    return new Outcome(done, written.isEmpty() ? null : written.get(0), readNullableLong(in),
                            readItems(in));
                }),
                new Codec<>(Initialize.class, (out, op) -> writeItems(out, op.seed),
                        in -> new Initialize(readItems(in))),
                new Codec<>(Write.class, (out, op) -> {
                    out.writeString(op.name);
                    out.writeString(op.json);
                    writeNullableLong(out, op.expected);
                }, in -> new Write(in.readString(), in.readString(), readNullableLong(in))));
    }
}
