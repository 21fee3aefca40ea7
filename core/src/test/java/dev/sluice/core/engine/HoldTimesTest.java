package dev.sluice.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Reason;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.spi.Lease;
import dev.sluice.core.testkit.ManualScheduler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HoldTimesTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private final ManualScheduler time = new ManualScheduler();
    private final HoldTimes holds = new HoldTimes();
    private final Policy policy = Policy.builder("p").concurrency(new Concurrency(2))
            .queue(new QueueLimit(6, Duration.ofMinutes(1))).build();

    @Test
    void aTimedLeaseRecordsItsHoldOnceAndReleasesOnce() {
        AtomicInteger released = new AtomicInteger();
        Lease lease = holds.timed(released::incrementAndGet, time.ticker());
        time.advance(Duration.ofSeconds(4));
        lease.release();
        time.advance(Duration.ofSeconds(100));
        lease.release();
        assertThat(holds.meanNanos()).isEqualTo(4 * SECOND);
        assertThat(released).as("the wrapped lease is idempotent itself").hasValue(2);
    }

    @Test
    void theMeanFollowsNewHoldsByAFifth() {
        holds.record(10 * SECOND);
        holds.record(20 * SECOND);
        assertThat(holds.meanNanos()).isEqualTo(12 * SECOND);
    }

    @Test
    void theEstimateCountsTheLineInRoundsOfThePermits() {
        holds.record(10 * SECOND);
        // queue-full: six ahead and itself over two permits, four rounds
        assertThat(holds.retryNanos(policy, Reason.QUEUE_FULL, 0)).isEqualTo(40 * SECOND);
        // concurrency: the next permit to be freed
        assertThat(holds.retryNanos(policy, Reason.CONCURRENCY, 0)).isEqualTo(10 * SECOND);
        // queue-timeout: those waiting here, at most the depth
        assertThat(holds.retryNanos(policy, Reason.QUEUE_TIMEOUT, 3)).isEqualTo(20 * SECOND);
        assertThat(holds.retryNanos(policy, Reason.QUEUE_TIMEOUT, 50)).isEqualTo(40 * SECOND);
    }

    @Test
    void theEstimateIsBoundedAndDefaultsToOneSecondAHold() {
        assertThat(holds.retryNanos(policy, Reason.CONCURRENCY, 0)).as("no hold seen yet").isEqualTo(SECOND);
        holds.record(1_000);
        assertThat(holds.retryNanos(policy, Reason.QUEUE_FULL, 0)).isEqualTo(SECOND);
        holds.record(TimeUnit.DAYS.toNanos(10));
        assertThat(holds.retryNanos(policy, Reason.QUEUE_FULL, 0)).isEqualTo(600 * SECOND);
    }
}
