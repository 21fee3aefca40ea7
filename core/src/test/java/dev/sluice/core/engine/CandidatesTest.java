package dev.sluice.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Admission;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.PolicyWriter;
import dev.sluice.core.config.Rate;
import dev.sluice.core.config.TopKeys;
import dev.sluice.core.engine.Candidates.KeyCounting;
import dev.sluice.core.spi.StoredCandidate;
import dev.sluice.core.testkit.ManualScheduler;
import dev.sluice.core.testkit.TestRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Candidates on one node: the 2x2 counts, the metric, replacement, discarding, expiry, the counts' encoding, and how
 * the keys only the candidate refuses are counted (a sketch under {@code top-keys: on}, exactly under {@code off}).
 */
class CandidatesTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private final ManualScheduler time = new ManualScheduler();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Sluice sluice = Sluice.builder().scheduler(time).meterRegistry(registry)
            .policies(new PolicySet(List.of(Policy.builder("api").key("header:X-Client")
                    .rate(new Rate(10, MINUTE)).build()))).build();

    @AfterEach
    void close() {
        sluice.close();
    }

    private void candidate(String id, long limit, long expiresAtMillis) {
        Policy proposed = Policy.builder("api").key("header:X-Client").rate(new Rate(limit, MINUTE)).build();
        sluice.candidateStore().put(new StoredCandidate(id, "api", PolicyWriter.toJson(proposed), 1,
                System.currentTimeMillis(), expiresAtMillis)).join();
    }

    private void send(String client, int times) {
        for (int i = 0; i < times; i++) {
            Admission admission = sluice.admit(TestRequest.get("/x").header("X-Client", client)).join();
            assertThat(admission.admitted()).as("the live policy decides the response").isTrue();
            admission.release();
        }
    }

    private double decisions(String live, String candidate) {
        Counter counter = registry.find("sluice_candidate_decisions").tags("policy", "api", "live", live,
                "candidate", candidate).counter();
        return counter == null ? -1 : counter.count();
    }

    @Test
    void theMetricCountsEachCellOfTheTwoByTwo() {
        candidate("one", 2, Long.MAX_VALUE);
        send("alice", 5);
        send("bob", 1);

        assertThat(decisions("admit", "admit")).isEqualTo(3.0);
        assertThat(decisions("admit", "refuse")).isEqualTo(3.0);
        assertThat(decisions("refuse", "admit")).isZero();
        assertThat(decisions("refuse", "refuse")).isZero();
        Candidates.Counts counts = sluice.candidateCounts("api").orElseThrow();
        assertThat(counts.bothAdmit()).isEqualTo(3);
        assertThat(counts.onlyCandidateRefuses()).isEqualTo(3);
        assertThat(counts.candidateReasons()).containsExactly(Map.entry("rate", 3L));
        assertThat(counts.candidateOnlyKeys()).containsExactly(Map.entry("alice", 3L));
    }

    @Test
    void aLiveRefusalIsCountedWithItsReason() {
        candidate("one", 20, Long.MAX_VALUE);
        for (int i = 0; i < 12; i++) {
            sluice.admit(TestRequest.get("/x").header("X-Client", "carol")).join().release();
        }
        assertThat(decisions("admit", "admit")).isEqualTo(10.0);
        assertThat(decisions("refuse", "admit")).isEqualTo(2.0);
        assertThat(sluice.candidateCounts("api").orElseThrow().liveReasons()).containsExactly(Map.entry("rate", 2L));
    }

    @Test
    void aNewCandidateStartsAfreshAndADiscardedOneLeavesNoMetric() {
        candidate("one", 2, Long.MAX_VALUE);
        send("alice", 4);
        candidate("two", 3, Long.MAX_VALUE);
        send("alice", 4);
        assertThat(decisions("admit", "refuse")).as("counted since the second candidate").isEqualTo(1.0);
        assertThat(sluice.candidateCounts("api").orElseThrow().id()).isEqualTo("two");

        sluice.candidateStore().remove("api").join();
        assertThat(sluice.candidateCounts("api")).isEmpty();
        assertThat(decisions("admit", "refuse")).isEqualTo(-1);
    }

    @Test
    void anExpiredCandidateIsNotEvaluated() {
        candidate("old", 1, System.currentTimeMillis() - 1);
        send("alice", 3);
        assertThat(sluice.candidateCounts("api")).isEmpty();
        assertThat(decisions("admit", "refuse")).isEqualTo(-1);
    }

    @Test
    void countsTravelAsTextAndAddUp() {
        Candidates.Counts a = new Candidates.Counts("id", 1, 2, 3, 4, Map.of("rate", 2L), Map.of("rate", 7L),
                Map.of("k1", 2L, "k2", 1L));
        Candidates.Counts b = Candidates.Counts.decode(new Candidates.Counts("id", 10, 20, 30, 40, Map.of(),
                Map.of("concurrency", 1L), Map.of("k2", 5L)).encode());
        Candidates.Counts sum = a.plus(b);
        assertThat(List.of(sum.bothAdmit(), sum.onlyLiveRefuses(), sum.onlyCandidateRefuses(), sum.bothRefuse()))
                .containsExactly(11L, 22L, 33L, 44L);
        assertThat(sum.candidateReasons()).containsOnly(Map.entry("rate", 7L), Map.entry("concurrency", 1L));
        assertThat(sum.candidateOnlyKeys()).containsExactly(Map.entry("k2", 6L), Map.entry("k1", 2L));
    }

    /**
     * A node of its own whose live policy {@code api} admits 1000 a minute per key, running the candidate {@code one}
     * of 1 a minute; {@code clients} are sent in order.
     */
    private Candidates.Counts candidateOfOneAMinute(TopKeys topKeys, List<String> clients) {
        Policy live = Policy.builder("api").key("header:X-Client").rate(new Rate(1_000, MINUTE)).topKeys(topKeys)
                .build();
        try (Sluice node = Sluice.builder().scheduler(time).meterRegistry(new SimpleMeterRegistry())
                .policies(new PolicySet(List.of(live))).build()) {
            Policy proposed = Policy.builder("api").key("header:X-Client").rate(new Rate(1, MINUTE)).build();
            node.candidateStore().put(new StoredCandidate("one", "api", PolicyWriter.toJson(proposed), 1,
                    System.currentTimeMillis(), Long.MAX_VALUE)).join();
            for (String client : clients) {
                Admission admission = node.admit(TestRequest.get("/x").header("X-Client", client)).join();
                assertThat(admission.admitted()).as("the live policy decides the response").isTrue();
                admission.release();
            }
            return node.candidateCounts("api").orElseThrow();
        }
    }

    @Test
    void underTopKeysTheCandidateOnlyKeysAreSketchedInBoundedMemoryWithBoundsThatHold() {
        List<String> clients = new java.util.ArrayList<>(java.util.Collections.nCopies(301, "alice"));
        for (int i = 0; i < 3_000; i++) {
            clients.add("client-" + i);
            clients.add("client-" + i);
        }
        Candidates.Counts counts = candidateOfOneAMinute(TopKeys.ON, clients);
        assertThat(counts.onlyCandidateRefuses()).isEqualTo(3_300);
        assertThat(counts.keyCounting()).isEqualTo(KeyCounting.SKETCH);
        assertThat(counts.candidateOnlyKeys()).as("bounded by the sketch, not by the 3001 keys")
                .hasSizeLessThanOrEqualTo(dev.sluice.core.top.KeySketches.MAX_MAP_SIZE);
        assertThat(counts.keyError()).as("the sketch had to forget keys").isPositive();
        assertThat(counts.candidateOnlyKeys().keySet().iterator().next()).isEqualTo("alice");
        assertThat(counts.candidateOnlyKeys().get("alice")).as("alice's 300 lie within the bounds")
                .isLessThanOrEqualTo(300).isGreaterThanOrEqualTo(300 - counts.keyError());
    }

    @Test
    void withTopKeysOffTheCandidateOnlyKeysAreCountedExactly() {
        Candidates.Counts counts = candidateOfOneAMinute(TopKeys.OFF,
                List.of("alice", "alice", "alice", "alice", "bob", "bob"));
        assertThat(counts.keyCounting()).isEqualTo(KeyCounting.EXACT);
        assertThat(counts.keyError()).isZero();
        assertThat(counts.candidateOnlyKeys()).containsExactly(Map.entry("alice", 3L), Map.entry("bob", 1L));
    }

    @Test
    void sketchedCountsTravelAsTextAndAddUpAsMergedSketchesDo() {
        Candidates.Counts a = new Candidates.Counts("id", 0, 0, 9, 0, Map.of(), Map.of(), Map.of("k1", 5L),
                KeyCounting.SKETCH, 2);
        Candidates.Counts b = Candidates.Counts.decode(new Candidates.Counts("id", 0, 0, 4, 0, Map.of(), Map.of(),
                Map.of("k1", 1L, "k2", 3L), KeyCounting.SKETCH, 1).encode());
        Candidates.Counts exact = new Candidates.Counts("id", 0, 0, 2, 0, Map.of(), Map.of(), Map.of("k2", 2L));
        Candidates.Counts sum = a.plus(b).plus(exact);
        assertThat(sum.keyCounting()).isEqualTo(KeyCounting.SKETCH);
        assertThat(sum.keyError()).as("the maximum errors add up").isEqualTo(3);
        assertThat(sum.candidateOnlyKeys()).containsExactly(Map.entry("k1", 6L), Map.entry("k2", 5L));
        assertThat(Candidates.Counts.decode("{\"id\":\"id\",\"candidateOnlyKeys\":{}}").keyCounting())
                .as("counts without a method were counted exactly").isEqualTo(KeyCounting.EXACT);
    }
}
