package dev.sluice.filter;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * An embedded Jetty 12 (ee10) on 127.0.0.1 and a free port, serving {@link TestApp} under the context path
 * {@code /app} behind a {@link SluiceFilter} mapped for REQUEST and ASYNC, itself behind a filter that records when
 * each dispatch has returned to the container.
 */
final class TestServer implements AutoCloseable {
    final Server server;
    final QueuedThreadPool threads;
    final TestApp app = new TestApp();
    /** The request URI (with query) of every dispatch that has returned, in order. */
    final BlockingQueue<String> returned = new LinkedBlockingQueue<>();
    final ServletContextHandler context;
    private final ServerConnector connector;

    /** Threads the server's pool may start, far fewer than the requests some tests keep waiting. */
    static final int MAX_THREADS = 32;

    /** How SluiceFilter is registered: normally async-supported and mapped for REQUEST and ASYNC. */
    record Registration(boolean asyncSupported, EnumSet<DispatcherType> dispatches, Map<String, String> initParams,
            String managementToken) {
        static final Registration NORMAL = new Registration(true,
                EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), Map.of(), null);

        Registration(boolean asyncSupported, EnumSet<DispatcherType> dispatches) {
            this(asyncSupported, dispatches, Map.of(), null);
        }

        static Registration withInitParams(Map<String, String> initParams) {
            return new Registration(true, NORMAL.dispatches(), initParams, null);
        }

        /** Normal, with the management servlet at {@code /app/sluice/*} taking {@code token}. */
        static Registration withManagement(String token) {
            return new Registration(true, NORMAL.dispatches(), Map.of(), token);
        }
    }

    private TestServer(Filter filter, boolean http2, Registration registration) throws Exception {
        threads = new QueuedThreadPool(MAX_THREADS, 8);
        threads.setName("jetty");
        server = new Server(threads);
        HttpConfiguration configuration = new HttpConfiguration();
        connector = http2
                ? new ServerConnector(server, new HttpConnectionFactory(configuration),
                        new org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory(configuration))
                : new ServerConnector(server, new HttpConnectionFactory(configuration));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);

        context = new ServletContextHandler("/app");
        EnumSet<DispatcherType> dispatches = EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC);
        FilterHolder tracker = new FilterHolder(new DispatchTracker(returned));
        tracker.setAsyncSupported(true);
        context.addFilter(tracker, "/*", dispatches);
        FilterHolder sluice = new FilterHolder(filter);
        sluice.setName("sluice");
        sluice.setAsyncSupported(registration.asyncSupported());
        registration.initParams().forEach(sluice::setInitParameter);
        context.addFilter(sluice, "/*", registration.dispatches());
        if (registration.managementToken() != null) {
            ServletHolder management = new ServletHolder(new SluiceManagementServlet(name -> null));
            management.setAsyncSupported(true);
            management.setInitParameter("token", registration.managementToken());
            context.addServlet(management, "/sluice/*");
        }
        ServletHolder servlet = new ServletHolder(app);
        servlet.setAsyncSupported(true);
        context.addServlet(servlet, "/*");
        server.setHandler(context);
    }

    static TestServer start(Filter filter) throws Exception {
        return start(filter, false);
    }

    static TestServer start(Filter filter, boolean http2) throws Exception {
        return start(filter, http2, Registration.NORMAL);
    }

    static TestServer start(Filter filter, Registration registration) throws Exception {
        return start(filter, false, registration);
    }

    private static TestServer start(Filter filter, boolean http2, Registration registration) throws Exception {
        TestServer test = new TestServer(filter, http2, registration);
        try {
            test.server.start();
        } catch (Exception failure) {
            test.close();
            throw failure;
        }
        return test;
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/app" + pathAndQuery);
    }

    int port() {
        return connector.getLocalPort();
    }

    /** Waits until the dispatch of a request to {@code uriPart} has returned to the container. */
    void awaitReturned(String uriPart) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Await.TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline) {
            String next = returned.poll(50, TimeUnit.MILLISECONDS);
            if (next != null && next.contains(uriPart)) {
                return;
            }
        }
        throw new AssertionError("the dispatch of " + uriPart + " did not return");
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** Records, after the rest of the chain (SluiceFilter included) has returned, which request it was. */
    private record DispatchTracker(BlockingQueue<String> returned) implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            try {
                chain.doFilter(request, response);
            } finally {
                HttpServletRequest http = (HttpServletRequest) request;
                String query = http.getQueryString();
                returned.add(http.getRequestURI() + (query == null ? "" : "?" + query));
            }
        }
    }
}
