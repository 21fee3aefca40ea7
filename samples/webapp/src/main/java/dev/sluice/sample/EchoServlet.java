package dev.sluice.sample;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /echo/**} (and the sample's other paths): 200 with the request's path within the application as the
 * body. With {@code ?ms=N} (0 to 60000) it answers after N milliseconds without holding a thread meanwhile: the
 * request goes asynchronous and a timer completes it on a container thread. Every answer carries
 * {@code X-Echo-Started} and {@code X-Echo-Finished}: wall-clock microseconds when the application began and ended
 * the request, so that a test can see how many requests ran at once across several nodes of one machine.
 */
public class EchoServlet extends HttpServlet {
    static final long MAX_DELAY_MILLIS = 60_000;

    private transient ScheduledExecutorService timer;

    @Override
    public void init() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "sample-echo-timer");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        timer = executor;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws IOException, ServletException {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        long started = nowMicros();
        String ms = request.getParameter("ms");
        if (ms == null) {
            write(response, path, started);
            return;
        }
        long delay = parseDelay(ms);
        if (delay < 0) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST,
                    "ms must be a whole number of milliseconds from 0 to " + MAX_DELAY_MILLIS);
            return;
        }
        AsyncContext async = request.startAsync();
        async.setTimeout(delay + 30_000);
        timer.schedule(() -> answerLater(async, path, started), delay, TimeUnit.MILLISECONDS);
    }

    /** Writes on a container thread: the timer thread only schedules. */
    private void answerLater(AsyncContext async, String path, long started) {
        try {
            async.start(() -> {
                try {
                    write((HttpServletResponse) async.getResponse(), path, started);
                } catch (IOException clientGone) {
                    log("Could not answer " + path + ": " + clientGone);
                } finally {
                    async.complete();
                }
            });
        } catch (IllegalStateException over) {
            log("The request for " + path + " ended before its answer: " + over.getMessage());
        }
    }

    private static long parseDelay(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        long value = Long.parseLong(text);
        return value > MAX_DELAY_MILLIS ? -1 : value;
    }

    private static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    private static void write(HttpServletResponse response, String text, long started) throws IOException {
        response.setHeader("X-Echo-Started", Long.toString(started));
        response.setHeader("X-Echo-Finished", Long.toString(nowMicros()));
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        response.setContentType("text/plain;charset=UTF-8");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    @Override
    public void destroy() {
        timer.shutdownNow();
    }
}
