package dev.sluice.filter;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * An embedded Jetty on 127.0.0.1 and a free port, context {@code /}, as an application deploys Sluice: SluiceFilter
 * (async-supported, REQUEST and ASYNC) starting itself from its init-params, the management servlet at
 * {@code /sluice/*} from its own, and the application at {@code /*}. Unlike {@link TestServer}, which hands the filter
 * a ready engine, this goes through the filter's own start-up.
 */
final class ManagedServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ManagedServer(Builder builder) {
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        FilterHolder filter = new FilterHolder(SluiceFilter.class);
        filter.setAsyncSupported(true);
        builder.filterParams.forEach(filter::setInitParameter);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        ServletHolder management = new ServletHolder(SluiceManagementServlet.class);
        management.setAsyncSupported(true);
        builder.managementParams.forEach(management::setInitParameter);
        context.addServlet(management, "/sluice/*");
        builder.servlets.forEach((pathSpec, holder) -> context.addServlet(holder, pathSpec));
        context.addServlet(new ServletHolder(builder.app), "/*");
        server.setHandler(context);
    }

    /** A server whose filter reads its policies from {@code config} (the init-param, e.g. {@code classpath:x.yaml}). */
    static Builder configuredBy(String config) {
        return new Builder().filterParam("config", config);
    }

    /** What a test adds to the server; the application answers {@code ok} unless {@link #app} says otherwise. */
    static final class Builder {
        private final Map<String, String> filterParams = new LinkedHashMap<>();
        private final Map<String, String> managementParams = new LinkedHashMap<>();
        private final Map<String, ServletHolder> servlets = new LinkedHashMap<>();
        private HttpServlet app = new Ok();

        private Builder() {}

        Builder filterParam(String name, String value) {
            filterParams.put(name, value);
            return this;
        }

        Builder managementParam(String name, String value) {
            managementParams.put(name, value);
            return this;
        }

        /** Another servlet, mapped to {@code pathSpec} beside the management servlet and the application. */
        Builder servlet(String pathSpec, ServletHolder holder) {
            servlets.put(pathSpec, holder);
            return this;
        }

        /** The application at {@code /*}. */
        Builder app(HttpServlet servlet) {
            app = servlet;
            return this;
        }

        ManagedServer start() throws Exception {
            ManagedServer managed = new ManagedServer(this);
            managed.server.start();
            return managed;
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + path);
    }

    /** A request with a 20 s time limit; {@code headers} are name, value pairs. */
    HttpRequest request(String method, String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request.build();
    }

    /** Sends {@link #request} and waits for the answer; a request that fails to complete fails the test. */
    HttpResponse<String> send(String method, String path, String body, String... headers) {
        try {
            return client.send(request(method, path, body, headers), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException failure) {
            throw new AssertionError(method + " " + path + " failed", failure);
        }
    }

    CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest request) {
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** The application unless a test brings its own: answers {@code ok}. */
    private static final class Ok extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.getWriter().write("ok");
        }
    }
}
