package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.testkit.ManualScheduler;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The time limit and the circuit breaker on a manual clock: no cluster, calls are futures the test completes. */
class ClusterGuardTest {
    private final ManualScheduler time = new ManualScheduler();

    @Test
    void aCallThatNeverCompletesFailsAtTheTimeLimit() {
        ClusterGuard guard = new ClusterGuard("test", ClusterGuard.Settings.DEFAULTS, time);
        CompletableFuture<String> never = new CompletableFuture<>();

        CompletableFuture<String> answer = guard.call(() -> never, (value, failure) -> { });
        time.advance(Duration.ofMillis(49));
        assertThat(answer).isNotDone();
        time.advance(Duration.ofMillis(1));

        assertThat(answer).isCompletedExceptionally();
        assertThatThrownBy(answer::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(TimeoutException.class);
        assertThat(never).isNotDone();
        assertThat(guard.degraded()).isTrue();
        assertThat(guard.details()).containsEntry("timeouts", 1L).containsEntry("breaker", "CLOSED");
    }

    @Test
    void anAnswerAfterTheLimitGoesToTheLateCallbackNotTheCaller() {
        ClusterGuard guard = new ClusterGuard("test", ClusterGuard.Settings.DEFAULTS, time);
        CompletableFuture<String> slow = new CompletableFuture<>();
        AtomicReference<String> late = new AtomicReference<>();

        CompletableFuture<String> answer = guard.call(() -> slow, (value, failure) -> late.set(value));
        time.advance(Duration.ofMillis(50));
        slow.complete("granted");

        assertThat(answer).isCompletedExceptionally();
        assertThat(late).hasValue("granted");
    }

    @Test
    void anAnswerInTimeCancelsTheTimerAndNeverReachesTheLateCallback() {
        ClusterGuard guard = new ClusterGuard("test", ClusterGuard.Settings.DEFAULTS, time);
        CompletableFuture<String> prompt = new CompletableFuture<>();
        AtomicInteger late = new AtomicInteger();

        CompletableFuture<String> answer = guard.call(() -> prompt, (value, failure) -> late.incrementAndGet());
        prompt.complete("ok");
        time.advance(Duration.ofSeconds(1));

        assertThat(answer).isCompletedWithValue("ok");
        assertThat(late).hasValue(0);
        assertThat(time.pending()).isZero();
        assertThat(guard.degraded()).isFalse();
    }

    @Test
    void theBreakerOpensAfterHalfTheWindowFailsAndThenRefusesWithoutCalling() {
        ClusterGuard guard = new ClusterGuard("test", ClusterGuard.Settings.DEFAULTS, time);
        for (int i = 0; i < 20; i++) {
            boolean fail = i % 2 == 0;
            guard.call(() -> fail ? CompletableFuture.failedFuture(new IllegalStateException("gone"))
                    : CompletableFuture.completedFuture("ok"), (value, failure) -> { });
        }
        assertThat(guard.breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);

        AtomicInteger started = new AtomicInteger();
        CompletableFuture<String> refused = guard.call(() -> {
            started.incrementAndGet();
            return CompletableFuture.completedFuture("ok");
        }, (value, failure) -> { });

        assertThat(started).hasValue(0);
        assertThatThrownBy(refused::join).hasCauseInstanceOf(CallNotPermittedException.class);
        assertThat(guard.degraded()).isTrue();
        assertThat(guard.details()).containsEntry("breaker", "OPEN").containsKey("degraded-since");
    }

    @Test
    void anOpenBreakerProbesAfterItsOpenTimeAndClosesOnSuccessLeavingDegradedModeOnce() {
        ClusterGuard guard = new ClusterGuard("test", ClusterGuard.Settings.DEFAULTS, time);
        List<Runnable> recoveries = new ArrayList<>();
        guard.onRecovery(() -> recoveries.add(() -> { }));
        for (int i = 0; i < 20; i++) {
            guard.call(() -> CompletableFuture.failedFuture(new IllegalStateException("gone")), (v, f) -> { });
        }
        assertThat(guard.breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
        time.advance(Duration.ofMillis(4_999));
        assertThat(guard.call(() -> CompletableFuture.completedFuture("ok"), (v, f) -> { }))
                .isCompletedExceptionally();

        time.advance(Duration.ofMillis(2));
        for (int i = 0; i < 5; i++) {
            assertThat(guard.call(() -> CompletableFuture.completedFuture("ok"), (v, f) -> { }))
                    .isCompletedWithValue("ok");
        }

        assertThat(guard.breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(guard.degraded()).isFalse();
        assertThat(guard.timesDegraded()).isEqualTo(1);
        assertThat(recoveries).hasSize(1);
    }

    @Test
    void oneFailureDegradesUntilEnoughCallsInARowSucceed() {
        ClusterGuard guard = new ClusterGuard("test", ClusterGuard.Settings.DEFAULTS, time);
        guard.call(() -> CompletableFuture.failedFuture(new IllegalStateException("gone")), (v, f) -> { });
        assertThat(guard.degraded()).isTrue();
        for (int i = 0; i < 4; i++) {
            guard.call(() -> CompletableFuture.completedFuture("ok"), (v, f) -> { });
        }
        assertThat(guard.degraded()).isTrue();
        guard.call(() -> CompletableFuture.completedFuture("ok"), (v, f) -> { });

        assertThat(guard.degraded()).isFalse();
        assertThat(guard.timesDegraded()).isEqualTo(1);
    }

    @Test
    void aCallThatThrowsFailsItsFutureInsteadOfThrowing() {
        ClusterGuard guard = new ClusterGuard("test", ClusterGuard.Settings.DEFAULTS, time);

        CompletableFuture<String> answer = guard.call(() -> {
            throw new IllegalStateException("instance not active");
        }, (v, f) -> { });

        assertThatThrownBy(answer::join).hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void settingsComeFromTheOptionsWithDefaultsForTheRest() {
        ClusterGuard.Settings settings = ClusterGuard.Settings.from(Map.of("timeout", "120ms", "breaker-open", "1s",
                "cluster-name", "ignored-here"));

        assertThat(settings.timeout()).isEqualTo(Duration.ofMillis(120));
        assertThat(settings.openFor()).isEqualTo(Duration.ofSeconds(1));
        assertThat(settings.failureRate()).isEqualTo(50);
        assertThat(settings.window()).isEqualTo(20);
        assertThat(settings.halfOpenCalls()).isEqualTo(5);
    }

    @Test
    void badOptionsAreRefusedNamingTheOptionTheValueAndWhatIsAllowed() {
        assertThatThrownBy(() -> ClusterGuard.Settings.from(Map.of("timeout", "50")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hazelcast option timeout").hasMessageContaining("'50'")
                .hasMessageContaining("250ms");
        assertThatThrownBy(() -> ClusterGuard.Settings.from(Map.of("timeout", "2m")))
                .hasMessage("hazelcast option timeout must be from 1ms to 1m, got 2m");
        assertThatThrownBy(() -> ClusterGuard.Settings.from(Map.of("breaker-failure-rate", "101")))
                .hasMessage("hazelcast option breaker-failure-rate must be from 1 to 100, got 101");
        assertThatThrownBy(() -> ClusterGuard.Settings.from(Map.of("breaker-window", "many")))
                .hasMessage("hazelcast option breaker-window must be a whole number, got 'many'");
        assertThatThrownBy(() -> ClusterGuard.Settings.from(Map.of("breaker-half-open-calls", "0")))
                .hasMessage("hazelcast option breaker-half-open-calls must be from 1 to 1000, got 0");
    }
}
