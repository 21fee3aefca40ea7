package dev.sluice.filter;

import dev.sluice.core.Admission;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One admitted (or waiting) request's passage through the filter, kept in a request attribute so that later
 * dispatches of the same request pass through without being admitted again.
 *
 * <p>Its one job is that what the request took is given back exactly once, when the response completes:
 * <ul>
 *   <li>the application returns normally or throws, without going asynchronous: at the end of the chain;</li>
 *   <li>the application goes asynchronous: on {@code onComplete}, {@code onError} or {@code onTimeout} of its
 *       asynchronous cycle (this listener follows it through every {@code startAsync}, via
 *       {@link #onStartAsync});</li>
 *   <li>the request waits in a queue and its client goes away, or its container fails it: the wait is cancelled,
 *       which leaves the queue, and anything granted meanwhile is released.</li>
 * </ul>
 * A waiting request is suspended with {@code startAsync}; it holds no container thread. When the engine decides,
 * on its own thread, an admitted request is re-dispatched ({@link AsyncContext#dispatch()}) and continues the chain
 * where the filter stood; a refused one is answered on a container thread ({@link AsyncContext#start}).
 *
 * <p>Thread-safe: the engine's thread, the container's threads and the application's threads may call in at once.
 */
final class Exchange implements AsyncListener {
    private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);

    private enum State { WAITING, DECIDED, ABANDONED }

    /** What the filter is told about an exchange that shows a deployment mistake. */
    interface Diagnostics {
        /** A queued request was admitted and re-dispatched, but the filter did not see the ASYNC dispatch. */
        void notInvokedOnAsyncDispatch(HttpServletRequest request);
    }

    private final AtomicReference<State> state;
    private final AtomicBoolean entered = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();
    private final CompletableFuture<Admission> decision;
    private final AsyncContext waitContext;
    private final Diagnostics diagnostics;
    private volatile Admission admission;
    private volatile boolean listening;
    private volatile boolean applicationAsync;
    private volatile boolean failed;

    private Exchange(State initial, Admission admission, CompletableFuture<Admission> decision, AsyncContext waitContext,
            Diagnostics diagnostics) {
        this.state = new AtomicReference<>(initial);
        this.admission = admission;
        this.decision = decision;
        this.waitContext = waitContext;
        this.diagnostics = diagnostics;
        this.listening = waitContext != null;
    }

    /** A request admitted at once. */
    static Exchange admitted(Admission admission, Diagnostics diagnostics) {
        return new Exchange(State.DECIDED, admission, null, null, diagnostics);
    }

    /**
     * A request that waits for {@code decision}, suspended in {@code context}. The caller registers this exchange
     * as the context's listener, then calls {@link #awaitDecision()}.
     */
    static Exchange waiting(CompletableFuture<Admission> decision, AsyncContext context, Diagnostics diagnostics) {
        return new Exchange(State.WAITING, null, decision, context, diagnostics);
    }

    /** Acts on the decision when it comes (perhaps at once, on this thread). */
    void awaitDecision() {
        decision.whenComplete(this::decided);
    }

    /** The decision of an already completed future, unwrapped. */
    static Admission now(CompletableFuture<Admission> decision) throws ServletException {
        try {
            return decision.join();
        } catch (CompletionException | CancellationException failure) {
            throw new ServletException("Sluice could not decide on the request", failure.getCause() == null
                    ? failure : failure.getCause());
        }
    }

    /** Whether this dispatch is the re-dispatch of this queued request after its admission. */
    boolean resumesOn(ServletRequest request) {
        Admission decided = admission;
        return waitContext != null && request.getDispatcherType() == DispatcherType.ASYNC && state.get() == State.DECIDED
                && decided != null && decided.admitted() && !entered.get();
    }

    /**
     * Runs the rest of the chain for the admitted request and releases at its end, unless the application went
     * asynchronous; then the listener releases when that completes.
     */
    void proceed(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!entered.compareAndSet(false, true)) {
            chain.doFilter(request, response);
            return;
        }
        try {
            chain.doFilter(new AsyncTrackingRequest(request, this), response);
        } finally {
            if (!applicationAsync) {
                releaseUnlessAsync(request);
            }
        }
    }

    /** Releases now, unless the application went asynchronous through another route than the wrapper. */
    private void releaseUnlessAsync(HttpServletRequest request) {
        boolean async;
        try {
            async = request.isAsyncStarted();
        } catch (IllegalStateException recycled) {
            async = false;
        }
        if (!async) {
            release();
            return;
        }
        try {
            applicationWentAsync(request.getAsyncContext());
        } catch (IllegalStateException over) {
            // The cycle ended between the two calls: the response is complete.
            release();
        }
    }

    /** Called by the wrapper when the application started an asynchronous cycle. */
    void applicationWentAsync(AsyncContext context) {
        applicationAsync = true;
        if (!listening) {
            listening = true;
            context.addListener(this);
        }
    }

    /** The engine has decided on a waiting request (on the engine's thread). */
    private void decided(Admission result, Throwable failure) {
        if (failure != null) {
            if (failure instanceof CancellationException || failure.getCause() instanceof CancellationException) {
                return;
            }
            if (state.compareAndSet(State.WAITING, State.DECIDED)) {
                LOG.error("Sluice could not decide on a queued request; answering 500", failure);
                answerOnContainerThread(null);
            }
            return;
        }
        if (!state.compareAndSet(State.WAITING, State.DECIDED)) {
            // The client went away (or the container failed the request) while the decision was being made.
            result.release();
            return;
        }
        admission = result;
        try {
            HttpServletResponse response = (HttpServletResponse) waitContext.getResponse();
            if (result.admitted()) {
                Responses.addHeaders(response, result.headers());
                waitContext.dispatch();
            } else {
                result.release();
                answerOnContainerThread(result);
            }
        } catch (IllegalStateException over) {
            // The asynchronous cycle ended under us (the container timed it out or failed it).
            LOG.debug("Queued request ended before it could be resumed", over);
            release();
        }
    }

    /** Writes a refusal (or, with null, a 500) on a container thread, so that no engine thread does I/O. */
    private void answerOnContainerThread(Admission refusal) {
        waitContext.start(() -> {
            try {
                HttpServletResponse response = (HttpServletResponse) waitContext.getResponse();
                if (refusal == null) {
                    response.setStatus(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
                } else {
                    Responses.refuse(response, refusal);
                }
            } catch (IOException | RuntimeException failure) {
                LOG.debug("Could not answer a queued request", failure);
            } finally {
                completeQuietly(waitContext);
            }
        });
    }

    /** Leaves the queue: cancels the wait; if a grant raced in, {@link #decided} releases it. */
    private boolean abandon() {
        if (state.compareAndSet(State.WAITING, State.ABANDONED)) {
            decision.cancel(false);
            return true;
        }
        return false;
    }

    /** Gives back what the request took; idempotent. */
    void release() {
        Admission taken = admission;
        if (taken != null && released.compareAndSet(false, true)) {
            taken.release();
        }
    }

    @Override
    public void onComplete(AsyncEvent event) {
        abandon();
        release();
        Admission decided = admission;
        if (waitContext != null && !failed && decided != null && decided.admitted() && !entered.get()) {
            diagnostics.notInvokedOnAsyncDispatch((HttpServletRequest) waitContext.getRequest());
        }
    }

    @Override
    public void onError(AsyncEvent event) {
        failed = true;
        if (abandon()) {
            LOG.debug("Client of a queued request went away; it left the queue", event.getThrowable());
            completeQuietly(event.getAsyncContext());
            return;
        }
        release();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        failed = true;
        if (abandon()) {
            // Only when something other than Sluice set a timeout on the wait: answer as the queue would.
            HttpServletResponse response = (HttpServletResponse) event.getAsyncContext().getResponse();
            response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            completeQuietly(event.getAsyncContext());
            return;
        }
        release();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // Listeners are dropped at each new cycle unless they register again.
        event.getAsyncContext().addListener(this);
        if (entered.get()) {
            applicationAsync = true;
        }
    }

    private static void completeQuietly(AsyncContext context) {
        try {
            context.complete();
        } catch (IllegalStateException alreadyOver) {
            LOG.debug("Asynchronous cycle already over", alreadyOver);
        }
    }
}
