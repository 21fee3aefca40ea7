package dev.sluice.filter;

import dev.sluice.core.Admission;
import dev.sluice.core.PendingAdmission;
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
 * where the filter stood; a refused one is answered on a container thread ({@link AsyncContext#start}). The race
 * between the decision and a client that leaves, and the release exactly once, are {@link PendingAdmission}'s.
 *
 * <p>Thread-safe: the engine's thread, the container's threads and the application's threads may call in at once.
 */
final class Exchange implements AsyncListener, PendingAdmission.Outcome {
    private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);

    /** What the filter is told about an exchange that shows a deployment mistake. */
    interface Diagnostics {
        /** A queued request was admitted and re-dispatched, but the filter did not see the ASYNC dispatch. */
        void notInvokedOnAsyncDispatch(HttpServletRequest request);
    }

    private final PendingAdmission pending;
    private final AtomicBoolean entered = new AtomicBoolean();
    private final AsyncContext waitContext;
    private final Diagnostics diagnostics;
    private volatile boolean listening;
    private volatile boolean applicationAsync;
    private volatile boolean failed;

    private Exchange(PendingAdmission pending, AsyncContext waitContext, Diagnostics diagnostics) {
        this.pending = pending;
        this.waitContext = waitContext;
        this.diagnostics = diagnostics;
        this.listening = waitContext != null;
    }

    /** A request admitted at once. */
    static Exchange admitted(Admission admission, Diagnostics diagnostics) {
        return new Exchange(PendingAdmission.decided(admission), null, diagnostics);
    }

    /**
     * A request that waits for {@code decision}, suspended in {@code context}. The caller registers this exchange
     * as the context's listener, then calls {@link #awaitDecision()}.
     */
    static Exchange waiting(CompletableFuture<Admission> decision, AsyncContext context, Diagnostics diagnostics) {
        return new Exchange(PendingAdmission.awaiting(decision), context, diagnostics);
    }

    /** Acts on the decision when it comes (perhaps at once, on this thread). */
    void awaitDecision() {
        pending.whenDecided(this);
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
        return waitContext != null && request.getDispatcherType() == DispatcherType.ASYNC && pending.admitted()
                && !entered.get();
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
            pending.release();
            return;
        }
        try {
            applicationWentAsync(request.getAsyncContext());
        } catch (IllegalStateException over) {
            // The cycle ended between the two calls: the response is complete.
            pending.release();
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

    /** The waiting request is admitted (on the engine's thread): re-dispatched, to continue the chain. */
    @Override
    public void admitted(Admission admission) {
        try {
            Responses.addHeaders((HttpServletResponse) waitContext.getResponse(), admission.headers());
            waitContext.dispatch();
        } catch (IllegalStateException over) {
            ended(over);
        }
    }

    /** The waiting request is refused (on the engine's thread). */
    @Override
    public void refused(Admission refusal) {
        try {
            answerOnContainerThread(refusal);
        } catch (IllegalStateException over) {
            ended(over);
        }
    }

    @Override
    public void failed(Throwable failure) {
        LOG.error("Sluice could not decide on a queued request; answering 500", failure);
        answerOnContainerThread(null);
    }

    /** The asynchronous cycle ended under us (the container timed it out or failed it). */
    private void ended(IllegalStateException over) {
        LOG.debug("Queued request ended before it could be resumed", over);
        pending.release();
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

    @Override
    public void onComplete(AsyncEvent event) {
        pending.abandon();
        pending.release();
        if (waitContext != null && !failed && pending.admitted() && !entered.get()) {
            diagnostics.notInvokedOnAsyncDispatch((HttpServletRequest) waitContext.getRequest());
        }
    }

    /** The client of a waiting request went away, or the container failed the cycle: the wait ends, or a release. */
    @Override
    public void onError(AsyncEvent event) {
        if (endCycle(event, 0)) {
            LOG.debug("Client of a queued request went away; it left the queue", event.getThrowable());
        }
    }

    /** Only when something other than Sluice set a timeout: a waiting request is answered as the queue would. */
    @Override
    public void onTimeout(AsyncEvent event) {
        endCycle(event, HttpServletResponse.SC_SERVICE_UNAVAILABLE);
    }

    /**
     * A waiting request leaves its queue and is completed (with {@code status}, unless 0): true. Otherwise what the
     * request holds is released: false.
     */
    private boolean endCycle(AsyncEvent event, int status) {
        failed = true;
        if (!pending.abandon()) {
            pending.release();
            return false;
        }
        if (status != 0) {
            ((HttpServletResponse) event.getAsyncContext().getResponse()).setStatus(status);
        }
        completeQuietly(event.getAsyncContext());
        return true;
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
