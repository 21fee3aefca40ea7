package dev.sluice.bench.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What a container does around one filter for one request, on the calling thread: recycle the request and response,
 * call the filter, and when the filter started an asynchronous cycle, wait (at most 10 s) for its dispatch or
 * completion, re-dispatch through the filter with dispatcher type {@code ASYNC}, and end the cycle (listeners'
 * {@code onComplete}). Stateless.
 */
public final class BenchContainer {
    private BenchContainer() {}

    /**
     * @return the response's status
     * @throws ServletException also when an asynchronous cycle neither dispatched nor completed within 10 s
     */
    public static int serve(Filter filter, BenchRequest request, BenchResponse response, FilterChain chain)
            throws IOException, ServletException {
        request.recycle();
        response.recycle();
        filter.doFilter(request, response, chain);
        BenchAsyncContext async = request.asyncContext();
        if (async != null) {
            BenchAsyncContext.Outcome outcome;
            try {
                outcome = async.outcome().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new ServletException("interrupted while the request waited", interrupted);
            } catch (ExecutionException | TimeoutException failure) {
                throw new ServletException("the asynchronous cycle neither dispatched nor completed in 10 s",
                        failure);
            }
            if (outcome == BenchAsyncContext.Outcome.DISPATCH) {
                request.dispatchedAsync();
                filter.doFilter(request, response, chain);
            }
            async.fireComplete();
        }
        return response.getStatus();
    }
}
