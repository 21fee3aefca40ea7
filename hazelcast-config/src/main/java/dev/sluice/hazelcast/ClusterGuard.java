package dev.sluice.hazelcast;

import dev.sluice.core.config.Durations;
import dev.sluice.core.time.Scheduler;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The time limit and the circuit breaker (Resilience4j) around one backend's request-path cluster calls, and the
 * backend's degraded state.
 *
 * <p><b>Time limit.</b> Each guarded call's answer is a future of its own, failed with a {@link TimeoutException} when
 * the cluster has not answered within {@link Settings#timeout()}. The limit is a timer on the backend's
 * {@link Scheduler}, so no thread waits for the cluster; with a test's manual scheduler the limit passes only when
 * the test moves time. The cluster's own answer may still arrive after that: it is handed to the caller's
 * {@code late} callback (a semaphore grant that came too late is given back there), never to the request.
 *
 * <p><b>Circuit breaker.</b> One per backend, count based: once at least {@link Settings#window()} calls were
 * recorded and {@link Settings#failureRate()} % of the last {@link Settings#window()} failed (time-outs included), it
 * opens, and for {@link Settings#openFor()} every guarded call fails at once with a
 * {@link CallNotPermittedException}, without touching Hazelcast. Then it lets {@link Settings#halfOpenCalls()} calls
 * through as probes: if fewer than the failure rate of them fail it closes, else it opens again. Its clock is the
 * scheduler's ticker, and it moves on from open when the next call comes (no timer thread of its own).
 *
 * <p><b>Degraded.</b> The backend is degraded from the first failed (or refused) guarded call until the breaker closes
 * after its probes, or, when it never opened, until {@link Settings#halfOpenCalls()} calls in a row succeed (so a
 * cluster that fails every few calls does not log a pair of warnings per failure). Entering and leaving are each logged once at
 * WARN and counted ({@link #timesDegraded()}); the policies' {@code on-backend-failure} rules decide meanwhile.
 *
 * <p>Background and management calls (renewals, releases, sweeps, polls, notices, live changes, start-up checks,
 * the policy store) are not guarded: they are not on a request's path, their own time-outs apply, and a release or
 * renewal refused by an open breaker would leak a permit or lose a lease while the cluster may be answering.
 *
 * <p>Thread-safe. Nothing here blocks.
 */
final class ClusterGuard {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterGuard.class);

    /** Option: the time limit of a request-path call, a duration; default {@code 50ms}. */
    static final String TIMEOUT = "timeout";
    /** Option: the failure rate that opens the breaker, percent 1 to 100; default 50. */
    static final String BREAKER_FAILURE_RATE = "breaker-failure-rate";
    /** Option: the calls the breaker looks back on (and needs before it can open), 1 to 10000; default 20. */
    static final String BREAKER_WINDOW = "breaker-window";
    /** Option: how long an open breaker refuses calls before it probes, a duration; default {@code 5s}. */
    static final String BREAKER_OPEN = "breaker-open";
    /** Option: the probe calls a half-open breaker lets through, 1 to 1000; default 5. */
    static final String BREAKER_HALF_OPEN_CALLS = "breaker-half-open-calls";
    /** Every option this class reads. */
    static final Set<String> OPTIONS = Set.of(TIMEOUT, BREAKER_FAILURE_RATE, BREAKER_WINDOW, BREAKER_OPEN,
            BREAKER_HALF_OPEN_CALLS);

    /**
     * The guard's settings.
     *
     * @param timeout       the time limit of one request-path call, 1 ms to 1 min
     * @param failureRate   percent of failed calls in the window that opens the breaker, 1 to 100
     * @param window        the calls the breaker looks back on, 1 to 10000
     * @param openFor       how long an open breaker refuses calls, 1 ms to 1 h
     * @param halfOpenCalls probe calls in the half-open state, 1 to 1000
     */
    record Settings(Duration timeout, int failureRate, int window, Duration openFor, int halfOpenCalls) {
        static final Settings DEFAULTS = new Settings(Duration.ofMillis(50), 50, 20, Duration.ofSeconds(5), 5);

        Settings {
            check(TIMEOUT, timeout, Duration.ofMillis(1), Duration.ofMinutes(1));
            check(BREAKER_OPEN, openFor, Duration.ofMillis(1), Duration.ofHours(1));
            check(BREAKER_FAILURE_RATE, failureRate, 1, 100);
            check(BREAKER_WINDOW, window, 1, 10_000);
            check(BREAKER_HALF_OPEN_CALLS, halfOpenCalls, 1, 1000);
        }

        /**
         * The settings among the provider options (other options are ignored here), the defaults for those not
         * given.
         *
         * @throws IllegalArgumentException naming the option, the bad value and what is allowed
         */
        static Settings from(Map<String, String> options) {
            return new Settings(
                    duration(options, TIMEOUT, DEFAULTS.timeout),
                    number(options, BREAKER_FAILURE_RATE, DEFAULTS.failureRate),
                    number(options, BREAKER_WINDOW, DEFAULTS.window),
                    duration(options, BREAKER_OPEN, DEFAULTS.openFor),
                    number(options, BREAKER_HALF_OPEN_CALLS, DEFAULTS.halfOpenCalls));
        }

        private static Duration duration(Map<String, String> options, String name, Duration fallback) {
            String text = options.get(name);
            if (text == null) {
                return fallback;
            }
            try {
                return Durations.parse(text.strip());
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("hazelcast option " + name + " " + bad.getMessage() + ", got '"
                        + text + "'");
            }
        }

        private static int number(Map<String, String> options, String name, int fallback) {
            String text = options.get(name);
            if (text == null) {
                return fallback;
            }
            try {
                return Integer.parseInt(text.strip());
            } catch (NumberFormatException bad) {
                throw new IllegalArgumentException("hazelcast option " + name + " must be a whole number, got '"
                        + text + "'");
            }
        }

        private static void check(String name, Duration value, Duration min, Duration max) {
            if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException("hazelcast option " + name + " must be from "
                        + Durations.format(min) + " to " + Durations.format(max) + ", got "
                        + (value == null ? "nothing" : Durations.format(value)));
            }
        }

        private static void check(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException("hazelcast option " + name + " must be from " + min + " to " + max
                        + ", got " + value);
            }
        }
    }

    private final String name;
    private final Settings settings;
    private final Scheduler scheduler;
    private final long timeoutNanos;
    private final TimeLimiter timeLimiter;
    private final CircuitBreaker breaker;
    /** The registry of the one breaker, for its Micrometer metrics. */
    private final CircuitBreakerRegistry breakers;
    private final AtomicBoolean degraded = new AtomicBoolean();
    private final AtomicLong timesDegraded = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicInteger successesInRow = new AtomicInteger();
    private volatile Instant degradedSince;
    private volatile String lastFailure;
    private volatile Runnable onRecovery = () -> { };

    /**
     * @param name      the backend's name, in messages and the Resilience4j instances' names
     * @param scheduler the time limit's timers run on it; the breaker's clock is its ticker
     */
    ClusterGuard(String name, Settings settings, Scheduler scheduler) {
        this.name = name;
        this.settings = settings;
        this.scheduler = scheduler;
        this.timeoutNanos = settings.timeout().toNanos();
        this.timeLimiter = TimeLimiter.of(name, TimeLimiterConfig.custom().timeoutDuration(settings.timeout())
                .cancelRunningFuture(false).build());
        this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindow(settings.window(), settings.window(),
                        CircuitBreakerConfig.SlidingWindowType.COUNT_BASED,
                        CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
                .failureRateThreshold(settings.failureRate())
                .waitDurationInOpenState(settings.openFor())
                .permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .writableStackTraceEnabled(false)
                .clock(new TickerClock(scheduler.ticker()))
                .build());
        this.breaker = breakers.circuitBreaker(name);
        breaker.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.State to = event.getStateTransition().getToState();
            if (to == CircuitBreaker.State.OPEN) {
                // once per outage at WARN; the re-openings after failed probes (every open time) only at DEBUG
                if (event.getStateTransition().getFromState() == CircuitBreaker.State.CLOSED) {
                    LOG.warn("Sluice: the circuit breaker of cluster backend {} opened; cluster calls fail at once "
                            + "and are probed again every {}", name, Durations.format(settings.openFor()));
                } else {
                    LOG.debug("Sluice: the circuit breaker of cluster backend {} opened again ({})", name,
                            event.getStateTransition());
                }
                enter("breaker open");
            } else if (to == CircuitBreaker.State.CLOSED) {
                leave();
            }
        });
    }

    /** Runs after each return from degraded mode (on the thread whose call succeeded); must not block. */
    void onRecovery(Runnable action) {
        this.onRecovery = action;
    }

    /**
     * A request-path call, limited in time and counted by the breaker. Never throws, never blocks.
     *
     * @param call starts the cluster call; not run at all when the breaker is open
     * @param late given the cluster's own answer when it arrives after the returned future was completed by the time
     *             limit; runs on a Hazelcast thread, must not block. Not called for calls that never started.
     * @return the answer, or a failure: the call's own, a {@link TimeoutException} at the limit, or a
     *         {@link CallNotPermittedException} while the breaker is open
     */
    <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> call, BiConsumer<? super T, Throwable> late) {
        if (!breaker.tryAcquirePermission()) {
            CallNotPermittedException refused = CallNotPermittedException.createCallNotPermittedException(breaker);
            enter(refused.toString());
            return CompletableFuture.failedFuture(refused);
        }
        long start = breaker.getCurrentTimestamp();
        CompletableFuture<T> raw;
        try {
            raw = call.get();
        } catch (RuntimeException failure) {
            raw = CompletableFuture.failedFuture(failure);
        }
        if (raw.isDone()) {
            return settle(raw, start);
        }
        CompletableFuture<T> answer = new CompletableFuture<>();
        AtomicBoolean recorded = new AtomicBoolean();
        Scheduler.Cancellable timer = scheduler.schedule(() -> {
            if (recorded.compareAndSet(false, true)) {
                TimeoutException timeout = TimeLimiter.createdTimeoutExceptionWithName(name, null);
                timeouts.incrementAndGet();
                timeLimiter.onError(timeout);
                breaker.onError(breaker.getCurrentTimestamp() - start, breaker.getTimestampUnit(), timeout);
                failed(timeout);
                answer.completeExceptionally(timeout);
            }
        }, timeoutNanos);
        raw.whenComplete((value, failure) -> {
            timer.cancel();
            if (recorded.compareAndSet(false, true)) {
                record(value, failure, start);
                if (failure == null) {
                    answer.complete(value);
                } else {
                    answer.completeExceptionally(failure);
                }
            } else {
                try {
                    late.accept(value, failure);
                } catch (RuntimeException broken) {
                    LOG.error("Handling a late cluster answer failed", broken);
                }
            }
        });
        return answer;
    }

    private <T> CompletableFuture<T> settle(CompletableFuture<T> done, long start) {
        Throwable failure = null;
        T value = null;
        try {
            value = done.join();
        } catch (RuntimeException failed) {
            failure = failed.getCause() != null ? failed.getCause() : failed;
        }
        record(value, failure, start);
        return done;
    }

    private void record(Object value, Throwable failure, long start) {
        long took = breaker.getCurrentTimestamp() - start;
        if (failure == null) {
            timeLimiter.onSuccess();
            breaker.onSuccess(took, breaker.getTimestampUnit());
            succeeded();
        } else {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            timeLimiter.onError(cause);
            breaker.onError(took, breaker.getTimestampUnit(), cause);
            failed(cause);
        }
    }

    private void failed(Throwable failure) {
        successesInRow.set(0);
        lastFailure = failure.toString();
        enter(lastFailure);
    }

    private void succeeded() {
        int row = successesInRow.incrementAndGet();
        if (degraded.get() && row >= settings.halfOpenCalls() && breaker.getState() == CircuitBreaker.State.CLOSED) {
            leave();
        }
    }

    private void enter(String why) {
        if (degraded.compareAndSet(false, true)) {
            degradedSince = Instant.now();
            timesDegraded.incrementAndGet();
            LOG.warn("Sluice: cluster backend {} is degraded ({}); cluster-scope policies follow their "
                    + "on-backend-failure rule until it answers again", name, why);
        }
    }

    private void leave() {
        if (degraded.compareAndSet(true, false)) {
            Instant since = degradedSince;
            LOG.warn("Sluice: cluster backend {} answers again after {} ms degraded; cluster-scope policies use the "
                    + "cluster again", name, since == null ? 0 : Duration.between(since, Instant.now()).toMillis());
            try {
                onRecovery.run();
            } catch (RuntimeException broken) {
                LOG.error("Sluice: an action on recovery of cluster backend {} failed", name, broken);
            }
        }
    }

    /**
     * Publishes the breaker's state, calls and failure rate in {@code registry} (Resilience4j's
     * {@code resilience4j.circuitbreaker.*} meters, tagged with the backend's name).
     */
    void bindMetrics(MeterRegistry registry) {
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
    }

    /** Whether the backend is degraded now: a guarded call failed since the last success, or the breaker is not closed. */
    boolean degraded() {
        return degraded.get() || breaker.getState() != CircuitBreaker.State.CLOSED;
    }

    /** How many times the backend has entered degraded mode. */
    long timesDegraded() {
        return timesDegraded.get();
    }

    /** Figures for health: breaker state and counts, time-outs, since when degraded and why. */
    Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        CircuitBreaker.Metrics metrics = breaker.getMetrics();
        details.put("breaker", breaker.getState().name());
        details.put("breaker-failure-rate", metrics.getFailureRate());
        details.put("breaker-failed-calls", metrics.getNumberOfFailedCalls());
        details.put("breaker-buffered-calls", metrics.getNumberOfBufferedCalls());
        details.put("breaker-refused-calls", metrics.getNumberOfNotPermittedCalls());
        details.put("timeout-ms", settings.timeout().toMillis());
        details.put("timeouts", timeouts.get());
        details.put("times-degraded", timesDegraded.get());
        if (degraded()) {
            Instant since = degradedSince;
            if (since != null) {
                details.put("degraded-since", since.toString());
            }
            String failure = lastFailure;
            if (failure != null) {
                details.put("last-failure", failure.length() > 200 ? failure.substring(0, 200) : failure);
            }
        }
        return details;
    }

    /** The breaker, for tests. */
    CircuitBreaker breaker() {
        return breaker;
    }
}
