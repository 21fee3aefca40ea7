package dev.sluice.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Reason;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Cost;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Quota;
import dev.sluice.core.config.Rate;
import dev.sluice.core.testkit.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Backend} must have, run against each implementation: subclass it and create the
 * backend in {@link #createBackend}. Time is a {@link ManualScheduler}; backends must take every timer and every
 * "now" from it. Futures of cluster backends complete on their own threads, so the suite waits for them with
 * bounds, and checks that a request is queued through {@link PolicyLimiter#state} before it asserts that its future
 * is still pending.
 */
public abstract class BackendContract {
    private static final Duration SECOND = Duration.ofSeconds(1);
    protected ManualScheduler time;
    protected Backend backend;
    private final List<PolicyLimiter> limiters = new ArrayList<>();

    /** Creates the backend under test; it must use {@code time} for its timers and its clock. */
    protected abstract Backend createBackend(ManualScheduler time);

    @BeforeEach
    void createIt() {
        time = new ManualScheduler();
        backend = createBackend(time);
    }

    @AfterEach
    void closeIt() {
        for (PolicyLimiter limiter : limiters) {
            limiter.unbind();
        }
        backend.close();
    }

    /** A policy with a name no other test uses, so backends that share state across tests stay isolated. */
    protected static Policy.Builder policy() {
        return Policy.builder("contract-" + UUID.randomUUID().toString().substring(0, 8));
    }

    protected PolicyLimiter bind(Policy policy) {
        PolicyLimiter limiter = backend.bind(policy);
        limiters.add(limiter);
        return limiter;
    }

    protected static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (Exception failure) {
            throw new AssertionError("future did not complete within 10 s", failure);
        }
    }

    /** Waits (bounded) until {@code condition} holds; fails otherwise. */
    protected static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + what);
            }
        }
    }

    private void awaitQueued(PolicyLimiter limiter, String key, long queued) {
        eventually(queued + " queued for " + key, () -> await(limiter.state(key)).queued() == queued);
    }

    private static Policy.Builder rate(long limit, Duration period, long burst) {
        return policy().rate(new Rate(limit, period, burst));
    }

    // ---------------------------------------------------------------- rate

    @Test
    void keysAreListedInOrderAPageAtATimeWhateverHoldsTheirState() {
        PolicyLimiter limiter = bind(rate(5, SECOND, 5)
                .concurrency(new Concurrency(2, Duration.ofMinutes(1))).build());
        for (String key : List.of("delta", "alpha", "charlie")) {
            assertThat(await(limiter.consume(key, 1, 0)).consumed()).isTrue();
        }
        PermitOutcome held = await(limiter.acquire("bravo", 1, 0));
        assertThat(held.granted()).isTrue();
        PolicyLimiter other = bind(rate(5, SECOND, 5).build());
        assertThat(await(other.consume("aardvark", 1, 0)).consumed()).isTrue();

        assertThat(await(limiter.keys(null, 3))).containsExactly("alpha", "bravo", "charlie");
        assertThat(await(limiter.keys("charlie", 3))).as("after the cursor, not another policy's")
                .containsExactly("delta");
        assertThat(await(limiter.keys("delta", 3))).isEmpty();
        assertThat(await(other.keys(null, 10))).containsExactly("aardvark");
        held.lease().release();
    }

    @Test
    void rateAdmitsTheBurstThenRefuses() {
        PolicyLimiter limiter = bind(rate(3, SECOND, 3).build());
        for (int i = 0; i < 3; i++) {
            RateOutcome outcome = await(limiter.consume("k", 1, 0));
            assertThat(outcome.consumed()).isTrue();
            assertThat(outcome.remaining()).isEqualTo(2 - i);
        }
        RateOutcome refused = await(limiter.consume("k", 1, 0));
        assertThat(refused.consumed()).isFalse();
        assertThat(refused.reason()).isEqualTo(Reason.RATE);
        assertThat(refused.nanosToRetry()).isBetween(1L, SECOND.toNanos());
    }

    @Test
    void aConsumedOutcomeDescribesTheBandClosestToExhaustion() {
        PolicyLimiter perSecond = bind(rate(10, SECOND, 10).quota(new Quota(1000, Duration.ofDays(1))).build());
        RateOutcome rate = await(perSecond.consume("k", 1, 0));
        assertThat(rate.band()).isEqualTo(BucketConfigurations.RATE);
        assertThat(rate.remaining()).isEqualTo(9);
        assertThat(rate.nanosToReset()).as("one token back at 10 per second")
                .isBetween(1L, SECOND.toNanos() / 10);

        PolicyLimiter hourly = bind(rate(100, SECOND, 100).quota(new Quota(3, Duration.ofHours(1))).build());
        RateOutcome quota = await(hourly.consume("k", 1, 0));
        assertThat(quota.band()).isEqualTo(BucketConfigurations.QUOTA);
        assertThat(quota.remaining()).isEqualTo(2);
        assertThat(quota.nanosToReset()).as("the hour's refill")
                .isBetween(Duration.ofMinutes(59).toNanos(), Duration.ofHours(1).toNanos());
    }

    @Test
    void rateRefillsWithTheClock() {
        PolicyLimiter limiter = bind(rate(4, SECOND, 4).build());
        for (int i = 0; i < 4; i++) {
            assertThat(await(limiter.consume("k", 1, 0)).consumed()).isTrue();
        }
        assertThat(await(limiter.consume("k", 1, 0)).consumed()).isFalse();
        time.advance(Duration.ofMillis(500));
        assertThat(await(limiter.consume("k", 2, 0)).consumed()).isTrue();
        assertThat(await(limiter.consume("k", 1, 0)).consumed()).isFalse();
    }

    @Test
    void keysHaveTheirOwnBuckets() {
        PolicyLimiter limiter = bind(rate(1, SECOND, 1).build());
        assertThat(await(limiter.consume("a", 1, 0)).consumed()).isTrue();
        assertThat(await(limiter.consume("a", 1, 0)).consumed()).isFalse();
        assertThat(await(limiter.consume("b", 1, 0)).consumed()).isTrue();
    }

    @Test
    void costTakesSeveralTokens() {
        PolicyLimiter limiter = bind(rate(10, SECOND, 10).cost(Cost.of(4)).build());
        assertThat(await(limiter.consume("k", 4, 0)).remaining()).isEqualTo(6);
        assertThat(await(limiter.consume("k", 4, 0)).remaining()).isEqualTo(2);
        assertThat(await(limiter.consume("k", 4, 0)).consumed()).isFalse();
    }

    @Test
    void quotaRefusalNamesTheQuota() {
        PolicyLimiter limiter = bind(rate(100, SECOND, 100).quota(new Quota(2, Duration.ofHours(1))).build());
        assertThat(await(limiter.consume("k", 1, 0)).consumed()).isTrue();
        assertThat(await(limiter.consume("k", 1, 0)).consumed()).isTrue();
        RateOutcome refused = await(limiter.consume("k", 1, 0));
        assertThat(refused.reason()).isEqualTo(Reason.QUOTA);
        assertThat(refused.nanosToRetry()).isGreaterThan(Duration.ofMinutes(59).toNanos());
    }

    @Test
    void queuedRateWaitersAreReleasedInOrderAtTheRate() {
        PolicyLimiter limiter = bind(rate(10, SECOND, 1).queue(new QueueLimit(3, SECOND)).build());
        long max = SECOND.toNanos();
        assertThat(await(limiter.consume("k", 1, max)).consumed()).isTrue();
        List<CompletableFuture<RateOutcome>> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiting.add(limiter.consume("k", 1, max));
            awaitQueued(limiter, "k", i + 1);
        }
        RateOutcome full = await(limiter.consume("k", 1, max));
        assertThat(full.reason()).isEqualTo(Reason.QUEUE_FULL);

        for (int i = 0; i < 3; i++) {
            assertThat(waiting.get(i)).isNotDone();
            time.advance(Duration.ofMillis(100));
            RateOutcome outcome = await(waiting.get(i));
            assertThat(outcome.consumed()).isTrue();
            assertThat(outcome.waitedNanos()).isEqualTo(Duration.ofMillis(100L * (i + 1)).toNanos());
        }
        awaitQueued(limiter, "k", 0);
    }

    @Test
    void aWaitLongerThanTheMaxWaitIsRefusedAtOnce() {
        PolicyLimiter limiter = bind(rate(1, Duration.ofSeconds(10), 1).queue(new QueueLimit(5, SECOND)).build());
        long max = SECOND.toNanos();
        assertThat(await(limiter.consume("k", 1, max)).consumed()).isTrue();
        RateOutcome refused = await(limiter.consume("k", 1, max));
        assertThat(refused.consumed()).isFalse();
        assertThat(refused.reason()).isEqualTo(Reason.RATE);
        assertThat(await(limiter.state("k")).queued()).isZero();
    }

    @Test
    void aCancelledRateWaiterGivesItsTokensBack() {
        PolicyLimiter limiter = bind(rate(10, SECOND, 1).queue(new QueueLimit(5, SECOND)).build());
        long max = SECOND.toNanos();
        assertThat(await(limiter.consume("k", 1, max)).consumed()).isTrue();
        CompletableFuture<RateOutcome> first = limiter.consume("k", 1, max);
        awaitQueued(limiter, "k", 1);
        first.cancel(false);
        awaitQueued(limiter, "k", 0);

        CompletableFuture<RateOutcome> second = limiter.consume("k", 1, max);
        awaitQueued(limiter, "k", 1);
        time.advance(Duration.ofMillis(100));
        assertThat(await(second).consumed()).isTrue();
    }

    @Test
    void aLiveChangeKeepsTheTokensTheNewConfigurationAllows() {
        Policy before = rate(10, SECOND, 10).build();
        PolicyLimiter limiter = bind(before);
        for (int i = 0; i < 4; i++) {
            await(limiter.consume("k", 1, 0));
        }
        limiter.reconfigure(before.toBuilder().rate(new Rate(20, SECOND, 20)).build());
        assertThat(await(limiter.consume("k", 1, 0)).remaining()).isEqualTo(5);

        limiter.reconfigure(before.toBuilder().rate(new Rate(3, SECOND, 3)).build());
        assertThat(await(limiter.consume("k", 1, 0)).remaining()).isEqualTo(2);

        limiter.reconfigure(before.toBuilder().rate(new Rate(3, SECOND, 3))
                .quota(new Quota(100, Duration.ofDays(1))).build());
        RateOutcome withQuota = await(limiter.consume("k", 1, 0));
        assertThat(withQuota.consumed()).isTrue();
        assertThat(await(limiter.state("k")).quotaTokens()).isBetween(0L, 100L);
    }

    @Test
    void resetForgetsTheBucket() {
        PolicyLimiter limiter = bind(rate(1, Duration.ofMinutes(1), 1).build());
        assertThat(await(limiter.consume("k", 1, 0)).consumed()).isTrue();
        assertThat(await(limiter.consume("k", 1, 0)).consumed()).isFalse();
        assertThat(await(limiter.reset("k"))).isTrue();
        assertThat(await(limiter.consume("k", 1, 0)).consumed()).isTrue();
        assertThat(await(limiter.reset("never-seen"))).isFalse();
    }

    @Test
    void stateReportsTokensOfAKey() {
        PolicyLimiter limiter = bind(rate(10, SECOND, 10).concurrency(new Concurrency(3)).build());
        KeyState fresh = await(limiter.state("k"));
        assertThat(fresh.exists()).isFalse();
        assertThat(fresh.tokens()).isEqualTo(10);
        assertThat(fresh.permits()).isEqualTo(3);
        await(limiter.consume("k", 3, 0));
        PermitOutcome held = await(limiter.acquire("k", 2, 0));
        KeyState used = await(limiter.state("k"));
        assertThat(used.exists()).isTrue();
        assertThat(used.tokens()).isEqualTo(7);
        assertThat(used.quotaTokens()).isEqualTo(-1);
        assertThat(used.permitsInUse()).isEqualTo(2);
        held.lease().release();
    }

    // ---------------------------------------------------------------- concurrency

    private static Policy.Builder permits(int permits) {
        return policy().concurrency(new Concurrency(permits));
    }

    @Test
    void permitsAreGrantedUpToTheCountThenRefused() {
        PolicyLimiter limiter = bind(permits(2).build());
        PermitOutcome a = await(limiter.acquire("k", 1, 0));
        PermitOutcome b = await(limiter.acquire("k", 1, 0));
        assertThat(a.granted()).isTrue();
        assertThat(b.granted()).isTrue();
        PermitOutcome c = await(limiter.acquire("k", 1, 0));
        assertThat(c.granted()).isFalse();
        assertThat(c.reason()).isEqualTo(Reason.CONCURRENCY);
        a.lease().release();
        assertThat(await(limiter.acquire("k", 1, 0)).granted()).isTrue();
    }

    @Test
    void releaseIsIdempotentAndWorksFromAnotherThread() throws Exception {
        PolicyLimiter limiter = bind(permits(1).build());
        PermitOutcome held = await(limiter.acquire("k", 1, 0));
        Thread other = new Thread(() -> {
            held.lease().release();
            held.lease().release();
        });
        other.start();
        other.join(10_000);
        held.lease().release();
        eventually("permit returned", () -> await(limiter.state("k")).permitsInUse() == 0);
        PermitOutcome again = await(limiter.acquire("k", 1, 0));
        assertThat(again.granted()).isTrue();
        assertThat(await(limiter.acquire("k", 1, 0)).granted()).isFalse();
        again.lease().release();
    }

    @Test
    void aLargeWaiterIsNotStarvedBySmallOnesBehindIt() {
        PolicyLimiter limiter = bind(permits(3).queue(new QueueLimit(10, Duration.ofMinutes(1))).build());
        long max = Duration.ofMinutes(1).toNanos();
        PermitOutcome two = await(limiter.acquire("k", 2, max));
        CompletableFuture<PermitOutcome> big = limiter.acquire("k", 3, max);
        awaitQueued(limiter, "k", 1);
        CompletableFuture<PermitOutcome> small = limiter.acquire("k", 1, max);
        awaitQueued(limiter, "k", 2);
        assertThat(small).as("one permit is free, but the large request waits ahead").isNotDone();

        two.lease().release();
        PermitOutcome bigGranted = await(big);
        assertThat(bigGranted.granted()).isTrue();
        awaitQueued(limiter, "k", 1);
        assertThat(small).isNotDone();

        bigGranted.lease().release();
        PermitOutcome smallGranted = await(small);
        assertThat(smallGranted.granted()).isTrue();
        smallGranted.lease().release();
        eventually("all returned", () -> await(limiter.state("k")).permitsInUse() == 0);
    }

    @Test
    void waitersAreServedFirstInFirstOut() {
        PolicyLimiter limiter = bind(permits(1).queue(new QueueLimit(10, Duration.ofMinutes(1))).build());
        long max = Duration.ofMinutes(1).toNanos();
        PermitOutcome holder = await(limiter.acquire("k", 1, max));
        List<CompletableFuture<PermitOutcome>> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiters.add(limiter.acquire("k", 1, max));
            awaitQueued(limiter, "k", i + 1);
        }
        Lease current = holder.lease();
        for (int i = 0; i < 5; i++) {
            current.release();
            PermitOutcome granted = await(waiters.get(i));
            assertThat(granted.granted()).isTrue();
            for (int later = i + 1; later < 5; later++) {
                assertThat(waiters.get(later)).isNotDone();
            }
            current = granted.lease();
        }
        current.release();
    }

    @Test
    void aFullQueueRefusesAndAWaiterPastItsWaitTimesOut() {
        PolicyLimiter limiter = bind(permits(1).queue(new QueueLimit(1, SECOND)).build());
        long max = SECOND.toNanos();
        PermitOutcome holder = await(limiter.acquire("k", 1, max));
        CompletableFuture<PermitOutcome> waiter = limiter.acquire("k", 1, max);
        awaitQueued(limiter, "k", 1);
        // a cluster backend sets the waiter's deadline timer when the answer that it is queued reaches the node,
        // which may be after the entry holds it: the clock must not pass the deadline before the timer is set
        eventually("the waiter's node counts it", () -> limiter.stats().queued() == 1);
        PermitOutcome full = await(limiter.acquire("k", 1, max));
        assertThat(full.reason()).isEqualTo(Reason.QUEUE_FULL);

        time.advance(SECOND.plusMillis(1));
        PermitOutcome timedOut = await(waiter);
        assertThat(timedOut.granted()).isFalse();
        assertThat(timedOut.reason()).isEqualTo(Reason.QUEUE_TIMEOUT);
        awaitQueued(limiter, "k", 0);
        holder.lease().release();
    }

    @Test
    void aCancelledWaiterLeavesTheQueueAndHoldsNothing() {
        PolicyLimiter limiter = bind(permits(1).queue(new QueueLimit(5, Duration.ofMinutes(1))).build());
        long max = Duration.ofMinutes(1).toNanos();
        PermitOutcome holder = await(limiter.acquire("k", 1, max));
        CompletableFuture<PermitOutcome> cancelled = limiter.acquire("k", 1, max);
        awaitQueued(limiter, "k", 1);
        CompletableFuture<PermitOutcome> next = limiter.acquire("k", 1, max);
        awaitQueued(limiter, "k", 2);
        cancelled.cancel(false);
        awaitQueued(limiter, "k", 1);

        holder.lease().release();
        PermitOutcome granted = await(next);
        assertThat(granted.granted()).isTrue();
        granted.lease().release();
        eventually("nothing held", () -> await(limiter.state("k")).permitsInUse() == 0);
        // a cluster backend learns that the cancelled waiter left from the answer to its Leave, which may come later
        eventually("nobody counted as waiting here", () -> limiter.stats().queued() == 0);
    }

    @Test
    void raisingThePermitsAdmitsWaitersAtOnce() {
        Policy before = permits(1).queue(new QueueLimit(5, Duration.ofMinutes(1))).build();
        PolicyLimiter limiter = bind(before);
        long max = Duration.ofMinutes(1).toNanos();
        PermitOutcome holder = await(limiter.acquire("k", 1, max));
        CompletableFuture<PermitOutcome> a = limiter.acquire("k", 1, max);
        awaitQueued(limiter, "k", 1);
        CompletableFuture<PermitOutcome> b = limiter.acquire("k", 1, max);
        awaitQueued(limiter, "k", 2);

        limiter.reconfigure(before.toBuilder().concurrency(new Concurrency(3)).build());
        PermitOutcome grantedA = await(a);
        PermitOutcome grantedB = await(b);
        assertThat(grantedA.granted()).isTrue();
        assertThat(grantedB.granted()).isTrue();
        holder.lease().release();
        grantedA.lease().release();
        grantedB.lease().release();
        eventually("nothing held", () -> await(limiter.state("k")).permitsInUse() == 0);
    }

    @Test
    void loweringThePermitsAdmitsNoOneUntilUsageDrops() {
        Policy before = permits(3).build();
        PolicyLimiter limiter = bind(before);
        PermitOutcome a = await(limiter.acquire("k", 1, 0));
        PermitOutcome b = await(limiter.acquire("k", 1, 0));
        limiter.reconfigure(before.toBuilder().concurrency(new Concurrency(1)).build());
        assertThat(await(limiter.acquire("k", 1, 0)).granted()).isFalse();
        a.lease().release();
        assertThat(await(limiter.acquire("k", 1, 0)).granted()).isFalse();
        b.lease().release();
        PermitOutcome c = await(limiter.acquire("k", 1, 0));
        assertThat(c.granted()).isTrue();
        c.lease().release();
    }

    @Test
    void loweringTheDepthRefusesTheExcessAsQueueFull() {
        Policy before = permits(1).queue(new QueueLimit(5, Duration.ofMinutes(1))).build();
        PolicyLimiter limiter = bind(before);
        long max = Duration.ofMinutes(1).toNanos();
        PermitOutcome holder = await(limiter.acquire("k", 1, max));
        List<CompletableFuture<PermitOutcome>> waiters = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            waiters.add(limiter.acquire("k", 1, max));
            awaitQueued(limiter, "k", i + 1);
        }
        limiter.reconfigure(before.toBuilder().queue(new QueueLimit(2, Duration.ofMinutes(1))).build());
        assertThat(await(waiters.get(2)).reason()).isEqualTo(Reason.QUEUE_FULL);
        assertThat(await(waiters.get(3)).reason()).isEqualTo(Reason.QUEUE_FULL);
        awaitQueued(limiter, "k", 2);
        assertThat(waiters.get(0)).isNotDone();
        holder.lease().release();
        PermitOutcome first = await(waiters.get(0));
        first.lease().release();
        PermitOutcome second = await(waiters.get(1));
        second.lease().release();
        eventually("nothing held", () -> await(limiter.state("k")).permitsInUse() == 0);
    }

    @Test
    void unbindingAdmitsTheWaiters() {
        PolicyLimiter limiter = bind(permits(1).queue(new QueueLimit(5, Duration.ofMinutes(1))).build());
        long max = Duration.ofMinutes(1).toNanos();
        PermitOutcome holder = await(limiter.acquire("k", 1, max));
        CompletableFuture<PermitOutcome> waiter = limiter.acquire("k", 1, max);
        awaitQueued(limiter, "k", 1);
        limiter.unbind();
        PermitOutcome admitted = await(waiter);
        assertThat(admitted.granted()).isTrue();
        admitted.lease().release();
        holder.lease().release();
    }
}
