package dev.sluice.core;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One request's admission as an adapter holds it until the response completes: awaited while the request waits in
 * a queue, then decided, or abandoned when the client goes away first; what it took is given back exactly once.
 *
 * <p>It settles the race between the engine's thread, completing a decision, and the container's thread, giving up
 * on the request: whichever comes second sees what the other did, so a grant that arrives for an abandoned request
 * is released at once, and an abandoned request leaves its queue. Framework-free; the servlet filter keeps one per
 * suspended or admitted request. Thread-safe.
 */
public final class PendingAdmission {
    /** What the adapter does with a decision that arrives while the request still waits; on the engine's thread. */
    public interface Outcome {
        /** The request is admitted; it holds {@code admission} until {@link PendingAdmission#release()}. */
        void admitted(Admission admission);

        /** The request is refused; {@code refusal} is already released. */
        void refused(Admission refusal);

        /** The engine could not decide (never called for a wait that was abandoned). */
        void failed(Throwable failure);
    }

    private enum State { WAITING, DECIDED, ABANDONED }

    private final AtomicReference<State> state;
    private final AtomicBoolean released = new AtomicBoolean();
    private final CompletableFuture<Admission> decision;
    private volatile Admission admission;

    private PendingAdmission(State initial, Admission admission, CompletableFuture<Admission> decision) {
        this.state = new AtomicReference<>(initial);
        this.admission = admission;
        this.decision = decision;
    }

    /** An admission decided at once. */
    public static PendingAdmission decided(Admission admission) {
        return new PendingAdmission(State.DECIDED, admission, null);
    }

    /** An admission still to be decided by {@code decision}; call {@link #whenDecided} next. */
    public static PendingAdmission awaiting(CompletableFuture<Admission> decision) {
        return new PendingAdmission(State.WAITING, null, decision);
    }

    /** Tells {@code outcome} of the decision when it comes (perhaps at once, on this thread), unless abandoned. */
    public void whenDecided(Outcome outcome) {
        decision.whenComplete((result, failure) -> decided(result, failure, outcome));
    }

    private void decided(Admission result, Throwable failure, Outcome outcome) {
        if (failure != null) {
            if (failure instanceof CancellationException || failure.getCause() instanceof CancellationException) {
                return;
            }
            if (state.compareAndSet(State.WAITING, State.DECIDED)) {
                outcome.failed(failure);
            }
            return;
        }
        if (!state.compareAndSet(State.WAITING, State.DECIDED)) {
            // The client went away (or the container failed the request) while the decision was being made.
            result.release();
            return;
        }
        admission = result;
        if (result.admitted()) {
            outcome.admitted(result);
        } else {
            result.release();
            outcome.refused(result);
        }
    }

    /** Whether the request is decided and admitted. */
    public boolean admitted() {
        Admission decided = admission;
        return decided != null && decided.admitted();
    }

    /**
     * Gives up waiting: cancels the decision, which leaves the queue; a grant that raced in is released when it
     * arrives.
     *
     * @return whether the request was still waiting (false once decided or already abandoned)
     */
    public boolean abandon() {
        if (state.compareAndSet(State.WAITING, State.ABANDONED)) {
            decision.cancel(false);
            return true;
        }
        return false;
    }

    /** Gives back what the request took, once decided; idempotent, thread-safe. */
    public void release() {
        Admission taken = admission;
        if (taken != null && released.compareAndSet(false, true)) {
            taken.release();
        }
    }

    /**
     * Ends a decision that nobody will act on any more: cancels it if it is still pending (the request leaves its
     * queue) and releases whatever it grants or granted. For adapters that hold the future itself.
     */
    public static void settle(CompletableFuture<Admission> decision) {
        decision.cancel(false);
        decision.thenAccept(Admission::release);
    }
}
