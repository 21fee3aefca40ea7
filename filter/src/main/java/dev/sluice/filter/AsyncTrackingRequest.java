package dev.sluice.filter;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * The request the application receives: unchanged, except that going asynchronous registers the filter's listener in
 * the same call, before the application can complete the response from another thread. That way the admission is
 * released when the asynchronous response completes, never when the dispatch merely returns.
 */
final class AsyncTrackingRequest extends HttpServletRequestWrapper {
    private final Exchange exchange;

    AsyncTrackingRequest(HttpServletRequest request, Exchange exchange) {
        super(request);
        this.exchange = exchange;
    }

    @Override
    public AsyncContext startAsync() {
        AsyncContext context = super.startAsync();
        exchange.applicationWentAsync(context);
        return context;
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        AsyncContext context = super.startAsync(request, response);
        exchange.applicationWentAsync(context);
        return context;
    }
}
