package dev.sluice.core.testkit;

import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.KeyState;
import dev.sluice.core.spi.LimiterStats;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.spi.RateOutcome;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** A cluster policy limiter whose every call fails, as one whose cluster cannot answer. Thread-safe. */
public final class FailingLimiter implements PolicyLimiter {
    private final Supplier<Throwable> failure;
    private volatile Policy policy;

    /** @param failure the failure each call completes with (a fresh one per call) */
    public FailingLimiter(Policy policy, Supplier<Throwable> failure) {
        this.policy = policy;
        this.failure = failure;
    }

    @Override
    public Policy policy() {
        return policy;
    }

    @Override
    public CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos) {
        return CompletableFuture.failedFuture(failure.get());
    }

    @Override
    public CompletableFuture<PermitOutcome> acquire(String key, long permits, long maxWaitNanos) {
        return CompletableFuture.failedFuture(failure.get());
    }

    @Override
    public void reconfigure(Policy next) {
        policy = next;
    }

    @Override
    public CompletableFuture<KeyState> state(String key) {
        return CompletableFuture.failedFuture(failure.get());
    }

    @Override
    public CompletableFuture<Boolean> reset(String key) {
        return CompletableFuture.failedFuture(failure.get());
    }

    @Override
    public LimiterStats stats() {
        return LimiterStats.EMPTY;
    }

    @Override
    public void unbind() {
    }
}
