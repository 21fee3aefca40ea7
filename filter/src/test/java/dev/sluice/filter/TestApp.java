package dev.sluice.filter;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The application behind the filter in the integration tests. The last path segment says what it does:
 * <ul>
 *   <li>{@code ok}: answers 200 {@code ok}, recording the {@code id} parameter if any;</li>
 *   <li>{@code throw}: throws;</li>
 *   <li>{@code gate}: goes asynchronous and waits until the test calls {@link #openGate()};</li>
 *   <li>{@code timeout}: goes asynchronous with a 200 ms timeout and never completes;</li>
 *   <li>{@code dispatch}: goes asynchronous and dispatches to itself, answering {@code dispatched};</li>
 *   <li>{@code dispatch-throw}: goes asynchronous, dispatches to itself and throws in that dispatch.</li>
 * </ul>
 */
final class TestApp extends HttpServlet {
    final AtomicInteger invocations = new AtomicInteger();
    final List<String> served = new CopyOnWriteArrayList<>();
    private final BlockingQueue<AsyncContext> parked = new LinkedBlockingQueue<>();

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        invocations.incrementAndGet();
        String path = request.getPathInfo() == null ? request.getServletPath() : request.getPathInfo();
        String action = path.substring(path.lastIndexOf('/') + 1);
        boolean first = request.getDispatcherType() == DispatcherType.REQUEST;
        switch (action) {
            case "ok" -> {
                String id = request.getParameter("id");
                if (id != null) {
                    served.add(id);
                }
                write(response, "ok");
            }
            case "throw" -> throw new IllegalStateException("thrown by the test application");
            case "gate" -> {
                AsyncContext async = request.startAsync();
                async.setTimeout(0);
                parked.add(async);
            }
            case "timeout" -> request.startAsync().setTimeout(200);
            case "dispatch" -> {
                if (first) {
                    request.startAsync().dispatch();
                } else {
                    write(response, "dispatched");
                }
            }
            case "dispatch-throw" -> {
                if (first) {
                    request.startAsync().dispatch();
                } else {
                    throw new IllegalStateException("thrown by the test application in its async dispatch");
                }
            }
            default -> response.sendError(404);
        }
    }

    /** Completes the oldest request waiting at a gate with 200 {@code released}. */
    void openGate() throws Exception {
        AsyncContext async = parked.poll(10, TimeUnit.SECONDS);
        if (async == null) {
            throw new AssertionError("no request is waiting at a gate");
        }
        write((HttpServletResponse) async.getResponse(), "released");
        async.complete();
    }

    /** Waits until a request is parked at a gate. */
    void awaitParked(int count) throws InterruptedException {
        Await.until(() -> parked.size() >= count, "requests parked at the gate: " + count);
    }

    private static void write(HttpServletResponse response, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        response.setContentType("text/plain");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
