package dev.sluice.core.top;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.testkit.ManualScheduler;
import java.time.Duration;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.junit.jupiter.api.Test;

class KeySketchesTest {
    private final ManualScheduler time = new ManualScheduler();
    private final KeySketches sketches = new KeySketches(time.ticker());

    private void record(Outcome outcome, String key, int times) {
        for (int i = 0; i < times; i++) {
            sketches.record(outcome, key);
        }
    }

    @Test
    void countsEachOutcomeApart() {
        record(Outcome.REFUSED, "alice", 5);
        record(Outcome.ADMITTED, "bob", 3);
        record(Outcome.SHADOW_REFUSED, "carol", 2);

        assertThat(sketches.window(Outcome.REFUSED, Window.ONE_MINUTE).getEstimate("alice")).isEqualTo(5);
        assertThat(sketches.window(Outcome.REFUSED, Window.ONE_MINUTE).getEstimate("bob")).isZero();
        assertThat(sketches.window(Outcome.ADMITTED, Window.TEN_MINUTES).getEstimate("bob")).isEqualTo(3);
        assertThat(sketches.window(Outcome.SHADOW_REFUSED, Window.ONE_MINUTE).getEstimate("carol")).isEqualTo(2);
    }

    @Test
    void theMinuteWindowForgetsAfterAMinuteAndTheTenMinuteWindowAfterTen() {
        record(Outcome.REFUSED, "early", 4);
        time.advance(Duration.ofSeconds(30));
        record(Outcome.REFUSED, "later", 2);
        assertThat(sketches.window(Outcome.REFUSED, Window.ONE_MINUTE).getEstimate("early")).isEqualTo(4);

        time.advance(Duration.ofSeconds(45)); // 75 s after "early", 45 s after "later"
        ItemsSketch<String> minute = sketches.window(Outcome.REFUSED, Window.ONE_MINUTE);
        assertThat(minute.getEstimate("early")).isZero();
        assertThat(minute.getEstimate("later")).isEqualTo(2);
        ItemsSketch<String> tenMinutes = sketches.window(Outcome.REFUSED, Window.TEN_MINUTES);
        assertThat(tenMinutes.getEstimate("early")).isEqualTo(4);
        assertThat(tenMinutes.getEstimate("later")).isEqualTo(2);

        time.advance(Duration.ofMinutes(8)); // 555 s after "early"
        assertThat(sketches.window(Outcome.REFUSED, Window.TEN_MINUTES).getEstimate("early")).isEqualTo(4);
        assertThat(sketches.isEmpty()).isFalse();
        time.advance(Duration.ofMinutes(1).plusSeconds(20)); // 635 s
        assertThat(sketches.window(Outcome.REFUSED, Window.TEN_MINUTES).getEstimate("early")).isZero();
        assertThat(sketches.window(Outcome.REFUSED, Window.TEN_MINUTES).getEstimate("later")).isZero();
        assertThat(sketches.isEmpty()).isTrue();
    }

    @Test
    void aSnapshotCarriesEveryOutcomeAndWindowAndMergesWithAnotherNodes() {
        record(Outcome.REFUSED, "alice", 7);
        record(Outcome.ADMITTED, "bob", 1);
        time.advance(Duration.ofSeconds(70));
        record(Outcome.REFUSED, "alice", 3);
        byte[] snapshot = sketches.snapshot();

        assertThat(KeySketches.read(snapshot, Outcome.REFUSED, Window.ONE_MINUTE).top(5))
                .containsExactly(new TopAnswer.Row("alice", 3, 3, 3));
        assertThat(KeySketches.read(snapshot, Outcome.REFUSED, Window.TEN_MINUTES).top(5))
                .containsExactly(new TopAnswer.Row("alice", 10, 10, 10));
        assertThat(KeySketches.read(snapshot, Outcome.ADMITTED, Window.ONE_MINUTE)).isNull();
        assertThat(KeySketches.read(snapshot, Outcome.SHADOW_REFUSED, Window.TEN_MINUTES)).isNull();

        KeySketches other = new KeySketches(time.ticker());
        for (int i = 0; i < 4; i++) {
            other.record(Outcome.REFUSED, "alice");
        }
        other.record(Outcome.REFUSED, "bob");
        Tally merged = new Tally();
        merged.add(other.window(Outcome.REFUSED, Window.ONE_MINUTE));
        merged.add(KeySketches.read(snapshot, Outcome.REFUSED, Window.ONE_MINUTE));
        assertThat(merged.top(1)).containsExactly(new TopAnswer.Row("alice", 7, 7, 7));
        assertThat(merged.top(5)).extracting(TopAnswer.Row::key).containsExactly("alice", "bob");
    }

    @Test
    void bytesThatAreNoSnapshotAreRefused() {
        assertThatThrownBy(() -> KeySketches.read(new byte[] {0, 0, 0, 1, 0, 0, 0, 5, 1}, Outcome.REFUSED,
                Window.ONE_MINUTE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mergedBoundsAddTheNodesMaximumErrors() {
        KeySketches other = new KeySketches(time.ticker());
        for (int i = 0; i < 10_000; i++) {
            sketches.record(Outcome.REFUSED, "a-" + i);
            other.record(Outcome.REFUSED, "b-" + i);
            if (i % 5 == 0) {
                sketches.record(Outcome.REFUSED, "heavy");
                other.record(Outcome.REFUSED, "heavy");
            }
        }
        Tally merged = new Tally();
        merged.add(sketches.window(Outcome.REFUSED, Window.ONE_MINUTE));
        merged.add(KeySketches.read(other.snapshot(), Outcome.REFUSED, Window.ONE_MINUTE));
        TopAnswer.Row heavy = merged.top(1).get(0);
        assertThat(heavy.key()).isEqualTo("heavy");
        assertThat(heavy.lower()).isLessThanOrEqualTo(4_000).isLessThan(heavy.upper());
        assertThat(heavy.upper()).isGreaterThanOrEqualTo(4_000);
    }

    @Test
    void manyDistinctKeysStayBoundedAndTheHeavyOnesAreFound() {
        for (int i = 0; i < 100_000; i++) {
            sketches.record(Outcome.REFUSED, "client-" + i);
            if (i % 10 == 0) {
                sketches.record(Outcome.REFUSED, "heavy");
            }
        }
        ItemsSketch<String> minute = sketches.window(Outcome.REFUSED, Window.ONE_MINUTE);
        assertThat(minute.getNumActiveItems()).isLessThanOrEqualTo(KeySketches.MAX_MAP_SIZE);
        assertThat(minute.getLowerBound("heavy")).isLessThanOrEqualTo(10_000);
        assertThat(minute.getUpperBound("heavy")).isGreaterThanOrEqualTo(10_000);
        assertThat(minute.getFrequentItems(org.apache.datasketches.frequencies.ErrorType.NO_FALSE_NEGATIVES)[0]
                .getItem()).isEqualTo("heavy");
    }
}
