package dev.sluice.core.top;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.ItemsSketch;

/**
 * Frequent-items counts merged across nodes: per key the sum of the nodes' lower bounds, and the sum of the nodes'
 * maximum errors (DataSketches' "offset"). This is exactly the arithmetic of {@link ItemsSketch#merge} without its
 * purge, so the bounds hold as they do for a merged sketch: a key's true count lies between its summed count and
 * that plus the summed offsets. Its size is bounded by the nodes' sketches (each at most
 * {@link KeySketches#MAX_MAP_SIZE} keys). Not thread-safe; one per read.
 *
 * <p>Why not DataSketches' own serial form: {@code datasketches-java} 7 serialises through
 * {@code datasketches-memory} 4, which is built on the JDK 17 incubator module {@code jdk.incubator.foreign} (a JVM
 * without {@code --add-modules jdk.incubator.foreign} fails with {@code NoClassDefFoundError}, and the module is gone
 * from JDK 21). The sketch's own rows and maximum error carry everything a merge needs.
 */
final class Tally {
    private final Map<String, Long> counts = new HashMap<>();
    private long offset;
    private long streamLength;

    /** Adds one sketch: its active keys' counts and its maximum error. */
    void add(ItemsSketch<String> sketch) {
        if (sketch.isEmpty()) {
            return;
        }
        // NO_FALSE_NEGATIVES at the sketch's own threshold returns every key it still counts
        for (ItemsSketch.Row<String> row : sketch.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES)) {
            counts.merge(row.getItem(), row.getLowerBound(), Long::sum);
        }
        offset += sketch.getMaximumError();
        streamLength += sketch.getStreamLength();
    }

    void add(Tally other) {
        other.counts.forEach((key, count) -> counts.merge(key, count, Long::sum));
        offset += other.offset;
        streamLength += other.streamLength;
    }

    boolean isEmpty() {
        return counts.isEmpty();
    }

    /** Per key the summed lower bounds (a copy). */
    Map<String, Long> lowerBounds() {
        return new HashMap<>(counts);
    }

    /** The summed maximum errors: a key's true count is at most its lower bound plus this. */
    long offset() {
        return offset;
    }

    /** The {@code limit} keys with the largest estimates, largest first (ties by key). */
    List<TopAnswer.Row> top(int limit) {
        List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        List<TopAnswer.Row> rows = new ArrayList<>();
        for (Map.Entry<String, Long> entry : entries) {
            if (rows.size() == limit) {
                break;
            }
            long lower = entry.getValue();
            rows.add(new TopAnswer.Row(entry.getKey(), lower + offset, lower, lower + offset));
        }
        return rows;
    }

    void write(DataOutputStream out) throws IOException {
        out.writeLong(streamLength);
        out.writeLong(offset);
        out.writeInt(counts.size());
        for (Map.Entry<String, Long> entry : counts.entrySet()) {
            out.writeUTF(entry.getKey());
            out.writeLong(entry.getValue());
        }
    }

    static Tally read(DataInputStream in) throws IOException {
        Tally tally = new Tally();
        tally.streamLength = in.readLong();
        tally.offset = in.readLong();
        int size = in.readInt();
        if (size < 0 || size > 1 << 20 || tally.offset < 0) {
            throw new IOException("implausible tally: " + size + " keys, offset " + tally.offset);
        }
        for (int i = 0; i < size; i++) {
            tally.counts.put(in.readUTF(), in.readLong());
        }
        return tally;
    }
}
