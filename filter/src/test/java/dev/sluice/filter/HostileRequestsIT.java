package dev.sluice.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Thousands of hostile requests over raw sockets (so that nothing in a client library cleans them up): huge
 * headers, broken forwarding chains, odd methods, encoded paths, a new key on every request. Sluice must never
 * answer 5xx, and its state must stay bounded.
 *
 * <p>The bound on node-scope state, per policy: at most {@link dev.sluice.core.local.LocalBackend#DEFAULT_MAX_KEYS}
 * keys (the least recently used beyond that are dropped), and a key is forgotten once it has been idle for the time
 * its bucket takes to refill, plus the queue's max-wait, plus 1 s. With a new key on every request, the number of
 * keys is therefore about (new keys per second) x (that idle time), never above the maximum.
 */
class HostileRequestsIT {
    private Server server;
    private ServletContextHandler context;
    private int port;

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        context = new ServletContextHandler("/");
        FilterHolder filter = new FilterHolder(SluiceFilter.class);
        filter.setAsyncSupported(true);
        filter.setInitParameter("config", "classpath:hostile-it.yaml");
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        ServletHolder ok = new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.getWriter().write("ok");
            }
        });
        ok.setAsyncSupported(true);
        context.addServlet(ok, "/*");
        server.setHandler(context);
        server.start();
        port = connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    /** Sends one raw request on a new connection; returns the status, or -1 when the server closed without one. */
    private int raw(String requestText) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(requestText.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(12);
            if (head.length < 12) {
                return -1;
            }
            return Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII));
        }
    }

    private static String request(String method, String path, String... headers) {
        StringBuilder text = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\nConnection: close\r\n");
        for (String header : headers) {
            text.append(header).append("\r\n");
        }
        return text.append("\r\n").toString();
    }

    @Test
    void hostileRequestsNeverGetA5xx() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        String[] methods = {"GET", "POST", "get", "PROPFIND", "FOO", "OPTIONS", "TRACE", "M-SEARCH", "PATCH",
            "DELETE", "HEAD", "BREW", "X".repeat(300)};
        String[] paths = {"/api/x", "/api/%2e%2e/x", "//api//x", "/api/..%2F..%2Fetc", "/c/%00", "/api/x?tenant=",
            "/api/x?tenant=%ZZ", "/api/x?tenant=a&tenant=b", "/c/x;jsessionid=1", "/%C0%AE%C0%AE/", "/api/x?" +
            "tenant=" + "t".repeat(2000), "/c/%E2%80%AE", "/api/%2F%2Fx", "/api/x%2F..%2F..%2Fy?tenant=a",
            "/api/x%00.json",
            "/api/%252e%252e/x", "/api/x/..;/y", "/c/..%5C..%5Cwin", "/api/x?tenant=%00", "/api/x?tenant=%u0041",
            "/api/x?tenant=a%", "/%", "/api/x/%3B/y?tenant=%3B", "*"};
        String[] forwarded = {"X-Forwarded-For: garbage, , ::::, 999.1.1.1", "X-Forwarded-For: [::1",
            "X-Forwarded-For: 1.2.3.4:99999", "Forwarded: for=\"_hidden\";proto=https", "Forwarded: for=",
            "Forwarded: for=unknown, for=[2001:db8::1]:80", "X-Forwarded-For: " + "10.0.0.1,".repeat(300),
            "X-Forwarded-For: ::ffff:300.1.1.1", "Forwarded: ;;;,,,=", "X-Forwarded-For: \u00ff\u00fe"};
        List<String> failures = new ArrayList<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (int i = 0; i < 3000; i++) {
            List<String> headers = new ArrayList<>();
            headers.add(forwarded[random.nextInt(forwarded.length)]);
            switch (random.nextInt(5)) {
                case 0 -> headers.add("X-Api-Key: " + "k".repeat(1 + random.nextInt(6000)));
                case 1 -> headers.add("X-Api-Key: key-" + i);
                case 2 -> headers.add("Cookie: session=" + random.nextInt(1000) + "; session=dup");
                case 3 -> headers.add("X-Api-Key: \u00e9\u00e8 \t tab");
                default -> headers.add("Cookie: ===;;;");
            }
            String method = methods[random.nextInt(methods.length)];
            String path = paths[random.nextInt(paths.length)];
            int status = raw(request(method, path, headers.toArray(String[]::new)));
            statuses.merge(status, 1, Integer::sum);
            if (status >= 500) {
                failures.add(method + " " + path + " " + headers + " -> " + status);
            }
        }
        System.out.printf("[hostile] 3000 requests with odd methods, encoded paths, broken forwarding headers and "
                + "huge or odd keys: statuses %s%n", statuses);
        assertThat(failures).isEmpty();
    }

    /** Sends {@code requestText} (tolerating a server that closes while it is still sending) and reads a status. */
    private int rawLarge(String requestText) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            try {
                OutputStream out = socket.getOutputStream();
                out.write(requestText.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException closedWhileSending) {
                // the container refused the head before reading all of it: read what it answered
            }
            try {
                byte[] head = socket.getInputStream().readNBytes(12);
                return head.length < 12 ? -1 : Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII));
            } catch (IOException reset) {
                return -1;
            }
        }
    }

    @Test
    void headersNearAndOverTheContainerLimitGetNo5xx() throws IOException {
        int limit = new org.eclipse.jetty.server.HttpConfiguration().getRequestHeaderSize();
        Map<String, Integer> statuses = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int[] sizes = {limit / 2, limit - 400, limit - 200, limit - 120, limit, limit + 1, limit + 200, 2 * limit,
            16 * limit, 128 * limit};
        for (int size : sizes) {
            List<String> requests = List.of(
                    request("GET", "/api/x?tenant=a", "X-Api-Key: " + "k".repeat(size)),
                    request("GET", "/c/x", "Cookie: session=" + "s".repeat(size)),
                    request("GET", "/api/x?tenant=" + "t".repeat(size), "X-Api-Key: a"),
                    request("GET", "/api/x?tenant=a", "X-Api-Key: a", "X-Forwarded-For: "
                            + "10.1.2.3, ".repeat(size / 10)),
                    request("GET", "/api/x?tenant=a", manyHeaders(size)));
            for (String text : requests) {
                int status = rawLarge(text);
                statuses.merge(size + " -> " + status, 1, Integer::sum);
                if (status >= 500) {
                    failures.add(text.substring(0, 60) + "... (" + text.length() + " bytes) -> " + status);
                }
            }
        }
        System.out.printf("[hostile] header sizes around the container's limit of %d bytes: %s%n", limit, statuses);
        assertThat(failures).isEmpty();
        assertThat(statuses.keySet()).as("the container refuses heads over its limit itself")
                .anyMatch(outcome -> outcome.endsWith("-> 431"));
        assertThat(statuses.keySet()).as("heads under the limit reach the application")
                .anyMatch(outcome -> outcome.equals((limit - 400) + " -> 200"));
    }

    private static String[] manyHeaders(int size) {
        String[] headers = new String[Math.max(2, size / 24)];
        headers[0] = "X-Api-Key: many";
        for (int i = 1; i < headers.length; i++) {
            headers[i] = "X-Filler-" + i + ": " + "f".repeat(8);
        }
        return headers;
    }

    @Test
    void tenThousandNewKeysPerSecondGetNo5xxAndLeaveStateAndHeapBounded() throws Exception {
        Sluice sluice = (Sluice) context.getServletContext().getAttribute(SluiceFilter.SLUICE_ATTRIBUTE);
        long heapBefore = heapAfterGc();
        int seconds = 3;
        int perSecond = 10_000;
        int connections = 4;
        int batch = 100;
        AtomicLong next = new AtomicLong();
        Map<Integer, AtomicLong> statuses = new java.util.concurrent.ConcurrentHashMap<>();
        long start = System.nanoTime();
        long total = (long) seconds * perSecond;
        ExecutorService threads = Executors.newFixedThreadPool(connections);
        List<Future<?>> senders = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            senders.add(threads.submit(() -> {
                Socket socket = keepAlive();
                InputStream in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
                try {
                    while (true) {
                        long first = next.getAndAdd(batch);
                        if (first >= total) {
                            return null;
                        }
                        long due = start + first * 1_000_000_000L / perSecond;
                        long early = due - System.nanoTime();
                        if (early > 0) {
                            TimeUnit.NANOSECONDS.sleep(early);
                        }
                        StringBuilder requests = new StringBuilder();
                        long last = Math.min(first + batch, total);
                        for (long i = first; i < last; i++) {
                            requests.append("GET /api/x?tenant=t").append(i).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                                    .append("X-Api-Key: burst-").append(i).append("\r\n\r\n");
                        }
                        socket.getOutputStream().write(requests.toString().getBytes(StandardCharsets.US_ASCII));
                        socket.getOutputStream().flush();
                        for (long i = first; i < last; i++) {
                            int status = readResponse(in);
                            statuses.computeIfAbsent(status, key -> new AtomicLong()).incrementAndGet();
                        }
                    }
                } finally {
                    socket.close();
                }
            }));
        }
        for (Future<?> sender : senders) {
            sender.get(120, TimeUnit.SECONDS);
        }
        threads.shutdown();
        double elapsed = (System.nanoTime() - start) / 1e9;
        long keysAtEnd = sluice.figures("per-key").orElseThrow().keys();
        long heapAtEnd = heapAfterGc();
        Thread.sleep(3500); // longer than the per-key policy's idle time (1 s to refill + 1 s)
        long keysLater = sluice.figures("per-key").orElseThrow().keys();
        long heapLater = heapAfterGc();
        System.out.printf("[hostile] %d requests with a new key each in %.1f s (%.0f/s, over %d keep-alive "
                        + "connections): statuses %s; per-key keys %d at the end, %d after 3.5 s idle (bound %d); heap "
                        + "after GC %d MB before, %d MB at the end, %d MB after the keys expired%n", total, elapsed,
                total / elapsed, connections, new TreeMap<>(statuses), keysAtEnd, keysLater,
                dev.sluice.core.local.LocalBackend.DEFAULT_MAX_KEYS, heapBefore >> 20, heapAtEnd >> 20,
                heapLater >> 20);

        assertThat(statuses.keySet()).as("statuses").allMatch(status -> status == 200 || status == 429);
        assertThat(statuses.values().stream().mapToLong(AtomicLong::get).sum()).isEqualTo(total);
        assertThat(keysAtEnd).as("keys with state at the end").isBetween(1L, Math.min(total,
                dev.sluice.core.local.LocalBackend.DEFAULT_MAX_KEYS));
        assertThat(keysLater).as("keys once all have been idle past their refill time").isZero();
        assertThat(heapLater - heapBefore).as("heap growth in bytes once the keys expired").isLessThan(32L << 20);
    }

    private Socket keepAlive() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(30_000);
        return socket;
    }

    /** Reads one HTTP/1.1 response (Content-Length or chunked body) from a kept-alive connection; its status. */
    private static int readResponse(InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = 0;
        boolean chunked = false;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            String lower = header.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(lower.substring(15).strip());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                throw new IOException("the server closes the connection after " + statusLine);
            }
        }
        if (!chunked) {
            in.skipNBytes(length);
            return status;
        }
        for (long chunk = chunkSize(in); chunk > 0; chunk = chunkSize(in)) {
            in.skipNBytes(chunk);
            line(in);
        }
        line(in);
        return status;
    }

    private static long chunkSize(InputStream in) throws IOException {
        String size = line(in);
        int extension = size.indexOf(';');
        return Long.parseLong((extension < 0 ? size : size.substring(0, extension)).strip(), 16);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the connection ended in the middle of a response");
            }
            if (b != '\r') {
                bytes.write(b);
            }
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    /** The heap in use after a full collection (System.gc() on this JVM's default collector), in bytes. */
    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void aNewKeyOnEveryRequestKeepsStateBounded() throws IOException {
        for (int i = 0; i < 10_000; i++) {
            int status = raw(request("GET", "/api/x?tenant=t" + i, "X-Api-Key: client-" + i));
            assertThat(status).isIn(200, 429);
        }
        Sluice sluice = (Sluice) context.getServletContext().getAttribute(SluiceFilter.SLUICE_ATTRIBUTE);
        long keys = sluice.figures("per-key").orElseThrow().keys();
        assertThat(keys).as("one bucket per key seen, within the per-policy bound").isBetween(1L, 100_000L);
        assertThat(sluice.figures("per-ip").orElseThrow().keys()).isEqualTo(1);
    }
}
