package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fair line of a cluster rate queue as a value: who gets which reserved units, and that no admission ever takes
 * units that are not yet due, however joins, claims, departures and live changes interleave.
 */
class RateLineTest {
    private static final long S = 1_000_000_000L;

    private static Map<Long, Long> schedule(RateLine line) {
        return line.schedule();
    }

    @Test
    void aLightFlowTakesTheTurnsBetweenTheFloodsReservations() {
        RateLine line = new RateLine();
        // the flood reserved the tokens due at 1..4 s, the light flow those at 5 and 6 s
        for (int i = 1; i <= 4; i++) {
            line.join(i, "heavy", 1, 1, i * S, 60 * S);
        }
        line.join(11, "light", 1, 1, 5 * S, 60 * S);
        line.join(12, "light", 1, 1, 6 * S, 60 * S);

        Map<Long, Long> dues = schedule(line);
        assertThat(dues).containsEntry(1L, S).containsEntry(11L, 2 * S).containsEntry(2L, 3 * S)
                .containsEntry(12L, 4 * S).containsEntry(3L, 5 * S).containsEntry(4L, 6 * S);
    }

    @Test
    void aWeightGivesMoreTurnsAndCostsCountInTokens() {
        RateLine line = new RateLine();
        line.join(1, "heavy", 1, 2, 2 * S, 60 * S);
        line.join(2, "heavy", 1, 2, 4 * S, 60 * S);
        line.join(3, "gold", 4, 1, 5 * S, 60 * S);
        line.join(4, "gold", 4, 1, 6 * S, 60 * S);

        Map<Long, Long> dues = schedule(line);
        // tags: gold 0.25 and 0.5, heavy 2 and 4; the units: one token a second
        assertThat(dues).containsEntry(3L, 2 * S).containsEntry(4L, 2 * S).containsEntry(1L, 4 * S)
                .containsEntry(2L, 6 * S);
    }

    @Test
    void aWaiterThatLeavesTakesTheLatestUnitsAndAForgottenOneLeavesItsUnitsToTheOthers() {
        RateLine line = new RateLine();
        line.join(1, "a", 1, 1, S, 10 * S);
        line.join(2, "a", 1, 1, 2 * S, 10 * S);
        line.join(3, "b", 1, 1, 3 * S, 3 * S);
        line.leave(line.find(1));
        // the latest unit left with it: those ahead keep their turns (waiter 3 now owns the unit due at 1 s)
        assertThat(line.tokensDueBy(Long.MAX_VALUE)).isEqualTo(2);
        assertThat(line.tokensDueBy(S)).isEqualTo(1);
        assertThat(schedule(line)).containsEntry(3L, S).containsEntry(2L, 2 * S);

        // waiter 3's node is gone: dropped two seconds after its deadline, its unit stays for waiter 2
        assertThat(line.expire(5 * S)).isFalse();
        assertThat(line.expire(5 * S + 1)).isTrue();
        assertThat(schedule(line)).containsEntry(2L, S);
    }

    @Test
    void aWaiterBehindOneThatLeavesKeepsItsTurn() {
        RateLine line = new RateLine();
        line.join(1, "heavy", 1, 1, S, 60 * S);
        line.join(2, "heavy", 1, 1, 2 * S, 60 * S);
        line.join(3, "light", 1, 1, 3 * S, 60 * S);
        // light goes second (2 s), heavy 2 third (3 s); heavy 1 leaves: the others move up, none moves back
        line.leave(line.find(1));
        assertThat(schedule(line)).containsEntry(3L, S).containsEntry(2L, 2 * S);
    }

    @Test
    void anAdmittedWaiterHandsItsOwnUnitsToTheWaiterWhoseUnitsItTook() {
        RateLine line = new RateLine();
        line.join(1, "heavy", 1, 1, S, 60 * S);
        line.join(2, "heavy", 1, 1, 2 * S, 60 * S);
        line.join(3, "light", 1, 1, 3 * S, 60 * S);
        // light goes second: it is due at 2 s, on heavy 2's unit, and heavy 2 now owns the unit due at 3 s
        line.admit(line.find(1));
        line.admit(line.find(3));
        assertThat(schedule(line)).containsEntry(2L, 3 * S);
        // a live change re-reserves heavy 2 at 10 s: its own unit (the one it was handed) is replaced
        line.reslot(new long[] {2}, new long[] {10 * S});
        assertThat(schedule(line)).containsEntry(2L, 10 * S);
        assertThat(line.tokensDueBy(9 * S)).isZero();
    }

    @Test
    void admissionsNeverTakeUnitsBeforeTheyAreDueAndFlowsStayFirstInFirstOut() {
        Random random = new Random(42);
        for (int run = 0; run < 200; run++) {
            RateLine line = new RateLine();
            long now = 0;
            long nextId = 1;
            long reservedUntil = 0;
            for (int step = 0; step < 200; step++) {
                now += random.nextInt(3) * S / 2;
                int action = random.nextInt(10);
                if (action < 4) {
                    String flow = "f" + random.nextInt(3);
                    long cost = 1 + random.nextInt(3);
                    reservedUntil = Math.max(reservedUntil, now) + cost * S / 2;
                    long id = nextId++;
                    line.join(id, flow, 1 + random.nextInt(4), cost, reservedUntil, Long.MAX_VALUE / 2);
                } else if (action < 9 && !line.waiters.isEmpty()) {
                    RateLine.Waiter waiter = line.waiters.get(random.nextInt(line.waiters.size()));
                    long due = schedule(line).get(waiter.id());
                    if (due <= now) {
                        assertThat(line.tokensDueBy(now)).as("units due for an admission").isGreaterThanOrEqualTo(waiter.cost());
                        line.admit(waiter);
                    }
                } else if (!line.waiters.isEmpty()) {
                    line.leave(line.waiters.get(random.nextInt(line.waiters.size())));
                }
                long waiting = line.waiters.stream().mapToLong(RateLine.Waiter::cost).sum();
                assertThat(line.tokensDueBy(Long.MAX_VALUE)).as("every waiter's tokens are in the line")
                        .isGreaterThanOrEqualTo(waiting);
                for (RateLine.Waiter waiter : line.waiters) {
                    long owned = line.units.stream().filter(unit -> unit.owner == waiter.id())
                            .mapToLong(unit -> unit.tokens).sum();
                    assertThat(owned).as("each waiter owns units of its cost").isEqualTo(waiter.cost());
                }
                Map<Long, Long> dues = schedule(line);
                Map<String, Long> latest = new HashMap<>();
                for (RateLine.Waiter waiter : line.waiters) {
                    long due = dues.get(waiter.id());
                    assertThat(due).as("first in first out within flow " + waiter.flow())
                            .isGreaterThanOrEqualTo(latest.getOrDefault(waiter.flow(), Long.MIN_VALUE));
                    latest.put(waiter.flow(), due);
                }
            }
        }
    }
}
