package dev.sluice.core.engine;

import dev.sluice.core.Admission;
import dev.sluice.core.Reason;
import dev.sluice.core.config.BackendFailure;
import dev.sluice.core.spi.Lease;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.core.time.Ticker;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision on one request across the policies that apply to it, in order: for each policy its rate (and
 * quota), then its concurrency. Runs synchronously while every step answers at once; when a step has to wait, it
 * continues on the thread that completes that step's future, and the caller gets a future.
 *
 * <p>Everything the request view is needed for (keys, costs) is read before the first step, so the view is not
 * touched after {@link #start()} returns. A refusal releases the leases taken by earlier policies. Cancelling the
 * result leaves the queue of the waiting step and releases everything taken; a grant that races with the
 * cancellation is released too.
 */
final class AdmissionRun {
    private static final Logger LOG = LoggerFactory.getLogger(AdmissionRun.class);

    private final Engine engine;
    private final Ticker ticker;
    private final Step[] steps;
    private final int count;
    private final boolean noWait;
    private final boolean traced;
    private Lease[] leases;
    private int leaseCount;
    private int index;
    private boolean concurrencyPhase;
    private boolean fallback;
    private long stepStart = -1;
    private Reason shadowReason;
    private CompiledPolicy shadowPolicy;
    private boolean degraded;
    private CompletableFuture<Admission> result;
    /** The step's answer being waited for, or null. */
    private volatile CompletableFuture<?> pending;
    /** Attaches the continuation to {@link #pending}; {@link #start} defers it until {@link #result} is set. */
    private Runnable resumeWhenAnswered;

    AdmissionRun(Engine engine, Ticker ticker, Step[] steps, int count, boolean noWait, boolean traced) {
        this.engine = engine;
        this.traced = traced;
        this.ticker = ticker;
        this.steps = steps;
        this.count = count;
        this.noWait = noWait;
    }

    /** Runs what can run now: the decision when every step answered at once, else a future of it. */
    CompletableFuture<Admission> start() {
        Admission decision = advance();
        if (decision != null) {
            return CompletableFuture.completedFuture(decision);
        }
        CompletableFuture<Admission> future = new CompletableFuture<>();
        future.whenComplete((admission, failure) -> {
            if (future.isCancelled()) {
                CompletableFuture<?> waiting = pending;
                if (waiting != null) {
                    waiting.cancel(false);
                }
                synchronized (this) {
                    releaseAll();
                }
            }
        });
        Runnable resume;
        synchronized (this) {
            result = future;
            resume = resumeWhenAnswered;
        }
        resume.run();
        return future;
    }

    /** Continues after the pending rate step answered. */
    private void rateAnswered(RateOutcome rate, Throwable failure) {
        resume(null, () -> afterRate(rate, failure));
    }

    /** Continues after the pending concurrency step answered. */
    private void permitAnswered(PermitOutcome permit, Throwable failure) {
        resume(permit != null && permit.granted() ? permit.lease() : null, () -> afterPermit(permit, failure));
    }

    /**
     * Records the pending step's answer and runs on, unless the run was cancelled meanwhile: then gives back
     * {@code granted} (what that step may have granted) and everything taken before.
     */
    private void resume(Lease granted, Supplier<Admission> record) {
        Admission decision;
        synchronized (this) {
            pending = null;
            if (result.isDone()) {
                if (granted != null) {
                    granted.release();
                }
                releaseAll();
                return;
            }
            try {
                decision = record.get();
                if (decision == null) {
                    decision = advance();
                }
            } catch (Throwable unexpected) {
                releaseAll();
                result.completeExceptionally(unexpected);
                return;
            }
            if (decision == null) {
                resumeWhenAnswered.run();
                return;
            }
        }
        if (!result.complete(decision)) {
            decision.release();
        }
    }

    /** Makes {@code future} the pending step, continued by {@code continuation}; returns null for {@link #advance}. */
    private <T> Admission await(CompletableFuture<T> future, BiConsumer<? super T, ? super Throwable> continuation) {
        pending = future;
        resumeWhenAnswered = () -> future.whenComplete(continuation);
        return null;
    }

    /** Runs steps until all passed, one refused, or one must wait (then returns null, see {@link #await}). */
    private Admission advance() {
        while (index < count) {
            Step current = steps[index];
            CompiledPolicy policy = current.compiled;
            if (!concurrencyPhase) {
                if (policy.limitsRate) {
                    CompletableFuture<RateOutcome> future = current.flow == null
                            ? limiter(policy).consume(current.key, current.cost, budget(policy))
                            : limiter(policy).consume(current.key, current.cost, budget(policy), current.flow);
                    if (!future.isDone()) {
                        return await(future, this::rateAnswered);
                    }
                    Admission refusal = afterRate(joinQuietly(future), failureOf(future));
                    if (refusal != null) {
                        return refusal;
                    }
                    if (fallback) {
                        continue;
                    }
                } else {
                    concurrencyPhase = true;
                }
            }
            if (policy.limitsConcurrency) {
                CompletableFuture<PermitOutcome> future = current.flow == null
                        ? limiter(policy).acquire(current.key, current.cost, budget(policy))
                        : limiter(policy).acquire(current.key, current.cost, budget(policy), current.flow);
                if (!future.isDone()) {
                    return await(future, this::permitAnswered);
                }
                Admission refusal = afterPermit(joinQuietly(future), failureOf(future));
                if (refusal != null) {
                    return refusal;
                }
            } else {
                nextStep();
            }
        }
        return admitted();
    }

    private PolicyLimiter limiter(CompiledPolicy policy) {
        return fallback ? engine.fallbackFor(policy) : policy.binding.limiter;
    }

    private long budget(CompiledPolicy policy) {
        if (policy.maxWaitNanos == 0 || noWait) {
            return 0;
        }
        long now = ticker.nanos();
        if (stepStart < 0) {
            stepStart = now;
        }
        return Math.max(0, policy.maxWaitNanos - (now - stepStart));
    }

    private void nextStep() {
        concurrencyPhase = false;
        fallback = false;
        stepStart = -1;
        index++;
    }

    /** Records a rate outcome; returns the refusal, or null to go on (with {@link #fallback} set to retry locally). */
    private Admission afterRate(RateOutcome rate, Throwable failure) {
        CompiledPolicy policy = steps[index].compiled;
        if (failure != null) {
            return onBackendFailure(policy, failure);
        }
        if (fallback) {
            steps[index].degradedVia = "degraded-local";
        }
        if (rate.waitedNanos() > 0) {
            policy.binding.metrics.waited(rate.waitedNanos());
        }
        steps[index].rate = rate;
        fallback = false;
        concurrencyPhase = true;
        if (rate.consumed()) {
            if (!policy.limitsConcurrency) {
                policy.binding.admitted(steps[index].key);
            }
            return null;
        }
        return refuse(policy, rate.reason(), rate.nanosToRetry());
    }

    private Admission afterPermit(PermitOutcome permit, Throwable failure) {
        CompiledPolicy policy = steps[index].compiled;
        if (failure != null) {
            return onBackendFailure(policy, failure);
        }
        steps[index].permit = permit;
        if (fallback) {
            steps[index].degradedVia = "degraded-local";
        }
        if (permit.degraded()) {
            degraded = true;
        }
        if (permit.waitedNanos() > 0) {
            policy.binding.metrics.waited(permit.waitedNanos());
        }
        if (permit.granted()) {
            hold(policy.binding.holds.timed(permit.lease(), ticker));
            policy.binding.admitted(steps[index].key);
            nextStep();
            return null;
        }
        Admission refusal = refuse(policy, permit.reason(), permitRetryNanos(policy, permit));
        if (refusal == null) {
            nextStep();
        }
        return refusal;
    }

    /**
     * Retry-After of a concurrency refusal: estimated from the line and the hold times observed ({@link HoldTimes}),
     * never below the backend's own hint.
     */
    private long permitRetryNanos(CompiledPolicy policy, PermitOutcome permit) {
        Reason reason = permit.reason();
        if (reason != Reason.CONCURRENCY && reason != Reason.QUEUE_FULL && reason != Reason.QUEUE_TIMEOUT) {
            return permit.nanosToRetry();
        }
        long waitingHere = reason == Reason.QUEUE_TIMEOUT ? policy.binding.limiter.stats().queued() : 0;
        return Math.max(permit.nanosToRetry(),
                policy.binding.holds.retryNanos(policy.definition, reason, waitingHere));
    }

    /** A refusal: in shadow mode noted and passed over (returns null), else the final decision. */
    private Admission refuse(CompiledPolicy policy, Reason reason, long retryNanos) {
        if (policy.definition.shadow()) {
            policy.binding.refused(reason, true, steps[index].key);
            if (shadowReason == null) {
                shadowReason = reason;
                shadowPolicy = policy;
            }
            return null;
        }
        policy.binding.refused(reason, false, steps[index].key);
        releaseAll();
        return Decision.refused(policy, reason, retryNanos, steps, index + 1, marks());
    }

    private Admission onBackendFailure(CompiledPolicy policy, Throwable failure) {
        policy.binding.metrics.backendFailure();
        degraded = true;
        BackendFailure rule = policy.definition.onBackendFailure();
        steps[index].degradedVia = "degraded-" + (rule == BackendFailure.LOCAL ? (fallback ? "allow" : "local")
                : rule.name().toLowerCase(java.util.Locale.ROOT));
        if (rule == BackendFailure.LOCAL && !fallback && engine.fallbackFor(policy) != null) {
            LOG.debug("Policy '{}': cluster backend failed ({}); enforcing the local share", policy.name,
                    failure.toString());
            fallback = true;
            return null;
        }
        if (rule == BackendFailure.DENY) {
            return refuse(policy, Reason.BACKEND_FAILURE, 1_000_000_000L);
        }
        // allow, or a local share that failed too: admit
        if (concurrencyPhase) {
            nextStep();
        } else {
            concurrencyPhase = true;
            fallback = false;
        }
        return null;
    }

    private void hold(Lease lease) {
        if (leases == null) {
            leases = new Lease[count];
        }
        leases[leaseCount++] = lease;
    }

    private void releaseAll() {
        for (int i = 0; i < leaseCount; i++) {
            leases[i].release();
        }
        leaseCount = 0;
    }

    private Admission admitted() {
        Lease lease = switch (leaseCount) {
            case 0 -> Lease.NONE;
            case 1 -> leases[0];
            default -> new CompositeLease(java.util.Arrays.copyOf(leases, leaseCount));
        };
        leaseCount = 0;
        if (shadowReason == null) {
            return Decision.admitted(steps, count, lease, marks());
        }
        return Decision.admittedOverShadowRefusal(shadowPolicy, shadowReason, steps, count, lease, marks());
    }

    private int marks() {
        return (degraded ? Decision.DEGRADED : 0) | (traced ? Decision.TRACED : 0);
    }

    private static <T> T joinQuietly(CompletableFuture<T> future) {
        return future.isCompletedExceptionally() ? null : future.join();
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        if (!future.isCompletedExceptionally()) {
            return null;
        }
        try {
            future.join();
            return null;
        } catch (CompletionException failure) {
            return failure.getCause() == null ? failure : failure.getCause();
        } catch (RuntimeException failure) {
            return failure;
        }
    }

    /** Several policies' leases, released together exactly once. */
    private static final class CompositeLease extends java.util.concurrent.atomic.AtomicBoolean implements Lease {
        private final Lease[] leases;

        CompositeLease(Lease[] leases) {
            this.leases = leases;
        }

        @Override
        public void release() {
            if (compareAndSet(false, true)) {
                for (Lease lease : leases) {
                    lease.release();
                }
            }
        }
    }
}
