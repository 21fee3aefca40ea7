package dev.sluice.bench.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An asynchronous cycle of a {@link BenchRequest}: records what the application asked for ({@link #dispatch()} or
 * {@link #complete()}) so that {@link BenchContainer} can act on it as a container would, and fires the listeners'
 * {@code onComplete} when the cycle ends. {@link #start(Runnable)} runs the task on the calling thread. Thread-safe:
 * the engine calls it from its own threads.
 */
public final class BenchAsyncContext implements AsyncContext {
    /** What ended the wait: a re-dispatch or a completion. */
    enum Outcome { DISPATCH, COMPLETE }

    private final ServletRequest request;
    private final ServletResponse response;
    private final List<AsyncListener> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private volatile long timeout = 30_000;

    BenchAsyncContext(ServletRequest request, ServletResponse response) {
        this.request = request;
        this.response = response;
    }

    /** True until the application dispatched or completed. */
    boolean pending() {
        return !outcome.isDone();
    }

    CompletableFuture<Outcome> outcome() {
        return outcome;
    }

    /** Ends the cycle: every listener's {@code onComplete}. */
    void fireComplete() throws IOException {
        AsyncEvent event = new AsyncEvent(this, request, response);
        for (AsyncListener listener : listeners) {
            listener.onComplete(event);
        }
    }

    @Override
    public ServletRequest getRequest() {
        return request;
    }

    @Override
    public ServletResponse getResponse() {
        return response;
    }

    @Override
    public boolean hasOriginalRequestAndResponse() {
        return true;
    }

    @Override
    public void dispatch() {
        if (!outcome.complete(Outcome.DISPATCH)) {
            throw new IllegalStateException("the asynchronous cycle already ended with " + outcome.join());
        }
    }

    @Override
    public void dispatch(String path) {
        dispatch();
    }

    @Override
    public void dispatch(ServletContext context, String path) {
        dispatch();
    }

    @Override
    public void complete() {
        outcome.complete(Outcome.COMPLETE);
    }

    @Override
    public void start(Runnable run) {
        run.run();
    }

    @Override
    public void addListener(AsyncListener listener) {
        listeners.add(listener);
    }

    @Override
    public void addListener(AsyncListener listener, ServletRequest servletRequest, ServletResponse servletResponse) {
        listeners.add(listener);
    }

    @Override
    public <T extends AsyncListener> T createListener(Class<T> type) throws ServletException {
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException failure) {
            throw new ServletException("cannot create listener " + type.getName(), failure);
        }
    }

    @Override
    public void setTimeout(long millis) {
        timeout = millis;
    }

    @Override
    public long getTimeout() {
        return timeout;
    }
}
