package dev.sluice.core.top;

import dev.sluice.core.time.Ticker;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.datasketches.frequencies.ItemsSketch;

/**
 * One policy's most frequent keys on this node, per {@link Outcome} and {@link Window}: Apache DataSketches
 * frequent-items sketches ({@link ItemsSketch}, the "misra-gries / space-saving" family), mergeable across nodes and
 * with error bounds. Memory is bounded whatever the number of keys: per outcome at most 16 sketches (see
 * {@link WindowedSketch}) of at most {@value #MAX_MAP_SIZE} entries, each entry a key of at most
 * {@link dev.sluice.core.key.KeyResolver#MAX_KEY_LENGTH} characters. A sketch of {@code 2^k} entries counts every
 * key whose frequency is above {@code 3.5 / 2^k} of the window's requests with an error of at most that share.
 *
 * <p>{@link #record} is on the request path: one lock and one hash-map update. Thread-safe.
 */
public final class KeySketches {
    /** Entries per sketch: keys above about 2.7 % of a window's requests are always found. */
    public static final int MAX_MAP_SIZE = 128;
    private static final int FORMAT = 1;

    private final Ticker ticker;
    private final Map<Outcome, WindowedSketch> outcomes = new EnumMap<>(Outcome.class);

    public KeySketches(Ticker ticker) {
        this.ticker = ticker;
        long now = ticker.nanos();
        for (Outcome outcome : Outcome.values()) {
            outcomes.put(outcome, new WindowedSketch(MAX_MAP_SIZE, now));
        }
    }

    /** Counts one decision for {@code key}. */
    public void record(Outcome outcome, String key) {
        outcomes.get(outcome).update(key, ticker.nanos());
    }

    /** This node's counts of one outcome over one window, as a new sketch the caller owns. */
    public ItemsSketch<String> window(Outcome outcome, Window window) {
        return outcomes.get(outcome).window(window, ticker.nanos());
    }

    /** Whether nothing was counted in the last ten minutes. */
    public boolean isEmpty() {
        long now = ticker.nanos();
        for (WindowedSketch sketch : outcomes.values()) {
            if (!sketch.isEmpty(now)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Every outcome and window in one byte array, for other nodes to merge ({@link #read}): format, count, then per
     * non-empty (outcome, window) its ordinals and its {@link Tally} (stream length, maximum error, keys and counts).
     */
    public byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            List<Tally> tallies = new ArrayList<>();
            List<int[]> where = new ArrayList<>();
            for (Outcome outcome : Outcome.values()) {
                for (Window window : Window.values()) {
                    Tally tally = new Tally();
                    tally.add(window(outcome, window));
                    if (!tally.isEmpty()) {
                        tallies.add(tally);
                        where.add(new int[] {outcome.ordinal(), window.ordinal()});
                    }
                }
            }
            out.writeInt(FORMAT);
            out.writeInt(tallies.size());
            for (int i = 0; i < tallies.size(); i++) {
                out.writeByte(where.get(i)[0]);
                out.writeByte(where.get(i)[1]);
                tallies.get(i).write(out);
            }
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }

    /**
     * The counts of one outcome and window in a {@link #snapshot()}, or null when it holds none (nothing counted, or
     * a format this version does not know).
     *
     * @throws IllegalArgumentException when the bytes are not a snapshot
     */
    static Tally read(byte[] snapshot, Outcome outcome, Window window) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
            if (in.readInt() != FORMAT) {
                return null;
            }
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                int o = in.readByte();
                int w = in.readByte();
                Tally tally = Tally.read(in);
                if (o == outcome.ordinal() && w == window.ordinal()) {
                    return tally;
                }
            }
            return null;
        } catch (IOException malformed) {
            throw new IllegalArgumentException("not a top-keys snapshot: " + malformed, malformed);
        }
    }
}
