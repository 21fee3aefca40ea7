package dev.sluice.bench.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The allowances of {@link AccuracyRuns} on made-up arrival times: {@link AccuracyRuns#idleAllowance} and
 * {@link AccuracyRuns#idealAdmissions}, with the accuracy runs' rate ({@value AccuracyRuns#RATE}/s) and burst
 * ({@value AccuracyRuns#BURST}).
 */
class AccuracyAllowanceTest {
    private static final long MS = 1_000_000L;

    /** Arrivals every {@code everyMicros} from {@code fromMs} for {@code count} requests. */
    private static long[] steady(long fromMs, long everyMicros, int count) {
        return LongStream.range(0, count).map(i -> fromMs * MS + i * everyMicros * 1000).toArray();
    }

    @Test
    void steadyDemandAboveTheRateGetsBurstPlusRateTimesT() {
        long[] arrivals = steady(0, 500, 16_000); // 2,000/s for 8 s

        double t = (arrivals[arrivals.length - 1] - arrivals[0]) / 1e9;
        assertThat(AccuracyRuns.idealAdmissions(List.of(arrivals), Long.MAX_VALUE))
                .isBetween((long) (AccuracyRuns.BURST + AccuracyRuns.RATE * t) - 1,
                        (long) (AccuracyRuns.BURST + AccuracyRuns.RATE * t) + 1);
        assertThat(AccuracyRuns.idleAllowance(List.of(arrivals), arrivals[0], arrivals[arrivals.length - 1],
                Long.MAX_VALUE)).isZero();
    }

    @Test
    void demandBelowTheRateIsAdmittedWhole() {
        long[] arrivals = steady(0, 4_000, 1_000); // 250/s

        assertThat(AccuracyRuns.idealAdmissions(List.of(arrivals), Long.MAX_VALUE)).isEqualTo(1_000);
    }

    @Test
    void aClumpAfterSparseArrivalsGetsOneBucketWhereTheIdleAllowanceSeesNoGap() {
        // 1 s at 2,000/s; then 1 s with one arrival every 90 ms (below burst/rate = 100 ms, so no "idle" gap); then
        // 500 arrivals within 10 ms, as after a pause of the client; then 1 s at 2,000/s again
        long[] before = steady(0, 500, 2_000);
        long[] sparse = steady(1_000, 90_000, 11);
        long[] clump = steady(2_000, 20, 500);
        long[] after = steady(2_010, 500, 2_000);
        List<long[]> arrivals = List.of(before, sparse, clump, after);
        long first = before[0];
        long last = after[after.length - 1];

        assertThat(AccuracyRuns.idleAllowance(arrivals, first, last, Long.MAX_VALUE)).isZero();
        double t = (last - first) / 1e9;
        long ideal = AccuracyRuns.idealAdmissions(arrivals, Long.MAX_VALUE);
        // the first second: a bucket and a second of refill (550); the sparse second admits its 11 and refills the
        // bucket to full; the clump takes the bucket and 10 ms of refill (55), the last second a second of refill
        // (500): about 1,116, where burst + rate·t is about 1,555
        assertThat(ideal).isLessThan((long) (AccuracyRuns.BURST + AccuracyRuns.RATE * t) - 400);
        assertThat(ideal).isBetween(1_113L, 1_119L);
    }

    @Test
    void theRateAfterAChangeRefillsFromTheChangeOn() {
        long[] arrivals = steady(0, 250, 16_000); // 4,000/s for 4 s
        long change = 2_000 * MS;

        long ideal = AccuracyRuns.idealAdmissions(List.of(arrivals), change);
        assertThat(ideal).isBetween(AccuracyRuns.BURST + 2L * AccuracyRuns.RATE + 2L * AccuracyRuns.RATE_AFTER - 2,
                AccuracyRuns.BURST + 2L * AccuracyRuns.RATE + 2L * AccuracyRuns.RATE_AFTER + 2);
    }
}
