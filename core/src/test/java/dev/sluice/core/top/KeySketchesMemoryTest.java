package dev.sluice.core.top;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.testkit.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The memory a policy's top-keys sketches take at worst: every 10-second slot of the last ten minutes, for every
 * outcome, saw far more distinct keys than a sketch keeps (so each sketch is full), each key 32 characters. Measured
 * as the heap retained by many such policies (after garbage collection), divided by their number; printed for the
 * record, and bounded so that a sketch that stops purging (unbounded growth) fails the test.
 */
class KeySketchesMemoryTest {
    private static final int POLICIES = 40;
    private static final int DISTINCT_KEYS_PER_SLOT = 1_000;

    @Test
    void aPolicysSketchesStayWithinTheirBoundWhateverTheNumberOfKeys() {
        ManualScheduler time = new ManualScheduler();
        long before = usedHeap();
        List<KeySketches> policies = new ArrayList<>();
        for (int p = 0; p < POLICIES; p++) {
            policies.add(new KeySketches(time.ticker()));
        }
        int serial = 0;
        for (int slot = 0; slot < 62; slot++) {
            for (KeySketches sketches : policies) {
                for (Outcome outcome : Outcome.values()) {
                    for (int k = 0; k < DISTINCT_KEYS_PER_SLOT; k++) {
                        sketches.record(outcome, String.format("client-%025d", serial++));
                    }
                }
            }
            time.advance(Duration.ofSeconds(10));
        }
        long after = usedHeap();
        long perPolicy = (after - before) / POLICIES;
        int snapshot = policies.get(0).snapshot().length;
        System.out.printf("Top-keys sketches per policy, worst case (3 outcomes x 16 full sketches of %d entries, "
                + "32-character keys): about %,d bytes of heap; a published snapshot (3 outcomes x 2 windows): "
                + "%,d bytes%n", KeySketches.MAX_MAP_SIZE, perPolicy, snapshot);
        assertThat(policies.get(0).window(Outcome.REFUSED, Window.TEN_MINUTES).getNumActiveItems())
                .isLessThanOrEqualTo(KeySketches.MAX_MAP_SIZE);
        assertThat(perPolicy).isPositive().isLessThan(4L * 1024 * 1024);
        assertThat(snapshot).isLessThan(64 * 1024);
    }

    private static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
        }
        return used;
    }
}
