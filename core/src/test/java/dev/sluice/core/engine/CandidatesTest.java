package dev.sluice.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Admission;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.PolicyWriter;
import dev.sluice.core.config.Rate;
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

/** Candidates on one node: the 2x2 counts, the metric, replacement, discarding, expiry and the counts' encoding. */
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
}
