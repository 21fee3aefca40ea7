package dev.sluice.hazelcast;

import com.hazelcast.map.EntryProcessor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The replicated policy set as one IMap entry: every policy as JSON with its version, in order, and the store-wide
 * revision. Policy sets are small, so one entry makes every write a single atomic compare-and-set on the partition
 * owner, with a backup, and lets one entry listener tell every node the whole new list.
 */
final class StoredPolicies implements Serializable {
    private static final long serialVersionUID = 1L;
    static final String KEY = "policies";

    long revision;
    final List<Item> items = new ArrayList<>();

    record Item(String name, long version, String json) implements Serializable { }

    Item find(String name) {
        for (Item item : items) {
            if (item.name().equals(name)) {
                return item;
            }
        }
        return null;
    }

    /** The outcome of a write: the item written (or removed), or the version found when the condition failed. */
    record Outcome(boolean done, Item item, Long actual, List<Item> snapshot) implements Serializable { }

    /** Seeds an empty store; answers what the store holds. */
    static final class Initialize implements EntryProcessor<String, StoredPolicies, Outcome> {
        private static final long serialVersionUID = 1L;
        private final List<Item> seed;

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
     * {@code expected} null = always, 0 = must not exist, else the current version.
     */
    static final class Write implements EntryProcessor<String, StoredPolicies, Outcome> {
        private static final long serialVersionUID = 1L;
        private final String name;
        private final String json;
        private final Long expected;

        Write(String name, String json, Long expected) {
            this.name = name;
            this.json = json;
            this.expected = expected;
        }

        @Override
        public Outcome process(Map.Entry<String, StoredPolicies> entry) {
            StoredPolicies stored = entry.getValue() == null ? new StoredPolicies() : entry.getValue();
            Item current = stored.find(name);
            Long actual = current == null ? null : current.version();
            boolean holds = expected == null || (expected == 0 ? current == null
                    : actual != null && actual.longValue() == expected);
            if (!holds) {
                return new Outcome(false, null, actual, List.of());
            }
            if (json == null) {
                if (current == null) {
                    return new Outcome(true, null, null, List.of());
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
}
