package dev.sluice.core.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.KeyExpression;
import dev.sluice.core.config.QueueLimit;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fair line's order, where a newcomer goes, how serving moves the virtual time, and which waiter is oldest. */
class WaitLineTest {
    private static final QueueLimit QUEUE = new QueueLimit(20, Duration.ofSeconds(1),
            KeyExpression.parse("header:X-Tenant"), Map.of("gold", 4), 1, 20);

    private static final class Place extends WaitLine.Place {
        final String name;

        Place(String flow, String name) {
            super(1, flow);
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static WaitLine<Place> line(String... flowsAndNames) {
        WaitLine<Place> line = new WaitLine<>(true);
        for (int i = 0; i < flowsAndNames.length; i += 2) {
            line.add(new Place(flowsAndNames[i], flowsAndNames[i + 1]), QUEUE);
        }
        return line;
    }

    @Test
    void aNewcomerGoesAheadOfTheFloodAndTheOldestIsTheFirstArrival() {
        WaitLine<Place> line = line("heavy", "h1", "heavy", "h2", "heavy", "h3");
        double tag = line.tagFor("light", 1, QUEUE);

        assertThat(line.behind(tag)).extracting(Object::toString).containsExactly("h2", "h3");
        assertThat(line.behind(line.tagFor("gold", 1, QUEUE))).extracting(Object::toString)
                .containsExactly("h1", "h2", "h3");
        line.add(new Place("light", "l1"), QUEUE);
        assertThat(line.inOrder()).extracting(Object::toString).containsExactly("h1", "l1", "h2", "h3");
        assertThat(line.oldest()).hasToString("h1");
    }

    @Test
    void servingAWaiterOutOfTheHeadsTurnMovesTheVirtualTime() {
        WaitLine<Place> line = line("heavy", "h1", "heavy", "h2", "heavy", "h3");
        List<Place> order = line.inOrder();

        assertThat(line.served(order.get(0))).isTrue();
        assertThat(line.served(order.get(1))).isTrue();
        // the virtual time is h2's tag: a newcomer now goes behind h3's place only if its tag is larger
        assertThat(line.behind(line.tagFor("light", 1, QUEUE))).isEmpty();
        assertThat(line.oldest()).hasToString("h3");
        assertThat(line.served(order.get(0))).as("served once").isFalse();
    }

    @Test
    void aFifoLineHasNoOneBehindANewcomer() {
        WaitLine<Place> line = new WaitLine<>(false);
        line.add(new Place("", "a"), null);
        line.add(new Place("", "b"), null);

        assertThat(line.behind(0)).isEmpty();
        assertThat(line.oldest()).hasToString("a");
        assertThat(line.inOrder()).extracting(Object::toString).containsExactly("a", "b");
    }
}
