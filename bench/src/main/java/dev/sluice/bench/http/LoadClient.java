package dev.sluice.bench.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A small HTTP/1.1 keep-alive load generator over raw sockets, cheap enough to share two cores with the server.
 * Open loop when given a rate: each request has an intended send time and its latency counts from then, so a
 * stalled server is not hidden (no coordinated omission). Closed loop when the rate is 0: each connection sends its
 * next request as soon as the previous answer arrived.
 */
public final class LoadClient {
    private final int port;
    private final String path;
    private final int connections;

    public LoadClient(int port, String path, int connections) {
        this.port = port;
        this.path = path;
        this.connections = connections;
    }

    /** What one run measured. */
    public record Result(long completed, long ok, long refused, long errors, double seconds, Histogram latencyMicros) {
        public double perSecond() {
            return completed / seconds;
        }

        public double p99Millis() {
            return latencyMicros.getValueAtPercentile(99.0) / 1000.0;
        }
    }

    /**
     * Sends for {@code seconds}.
     *
     * @param ratePerSecond the offered rate across all connections, or 0 for closed loop
     */
    public Result run(double ratePerSecond, double seconds) throws InterruptedException {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        long end = start + (long) (seconds * 1e9);
        AtomicLong ok = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<Histogram> histograms = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
            histograms.add(histogram);
            long interval = ratePerSecond <= 0 ? 0 : (long) (1e9 * connections / ratePerSecond);
            long offset = interval * c / connections;
            Thread thread = new Thread(() -> drive(start + offset, end, interval, histogram, ok, refused, errors),
                    "load-" + c);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis((long) seconds + 30));
        }
        Histogram all = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        histograms.forEach(all::add);
        long completed = ok.get() + refused.get();
        return new Result(completed, ok.get(), refused.get(), errors.get(), seconds, all);
    }

    private void drive(long first, long end, long interval, Histogram histogram, AtomicLong ok, AtomicLong refused,
            AtomicLong errors) {
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] buffer = new byte[16 * 1024];
        Socket socket = null;
        long intended = first;
        try {
            while (true) {
                long now = System.nanoTime();
                if (interval > 0) {
                    if (intended >= end) {
                        break;
                    }
                    if (intended > now) {
                        LockSupport.parkNanos(intended - now);
                    }
                } else {
                    if (now >= end) {
                        break;
                    }
                    intended = Math.max(now, first);
                    if (intended > now) {
                        LockSupport.parkNanos(intended - now);
                    }
                }
                try {
                    if (socket == null) {
                        socket = new Socket();
                        socket.setTcpNoDelay(true);
                        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                        socket.setSoTimeout(30_000);
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write(request);
                    out.flush();
                    int status = readResponse(socket.getInputStream(), buffer);
                    long micros = Math.max(1, (System.nanoTime() - intended) / 1000);
                    histogram.recordValue(Math.min(micros, histogram.getHighestTrackableValue()));
                    if (status == 200) {
                        ok.incrementAndGet();
                    } else if (status == 429 || status == 503) {
                        refused.incrementAndGet();
                    } else {
                        errors.incrementAndGet();
                    }
                } catch (IOException failure) {
                    errors.incrementAndGet();
                    closeQuietly(socket);
                    socket = null;
                }
                if (interval > 0) {
                    intended += interval;
                }
            }
        } finally {
            closeQuietly(socket);
        }
    }

    /** Reads one response; returns its status. Handles Content-Length and chunked bodies. */
    static int readResponse(InputStream in, byte[] buffer) throws IOException {
        int length = 0;
        int headerEnd = -1;
        while (headerEnd < 0) {
            int read = in.read(buffer, length, buffer.length - length);
            if (read < 0) {
                throw new IOException("connection closed");
            }
            length += read;
            headerEnd = indexOf(buffer, length);
            if (headerEnd < 0 && length == buffer.length) {
                throw new IOException("response headers too large");
            }
        }
        String head = new String(buffer, 0, headerEnd, StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(head.substring(9, 12));
        int bodyStart = headerEnd + 4;
        int contentLength = -1;
        boolean chunked = false;
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                contentLength = Integer.parseInt(line.substring(colon + 1).trim());
            } else if (name.equalsIgnoreCase("Transfer-Encoding")
                    && line.substring(colon + 1).trim().equalsIgnoreCase("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            readChunked(in, buffer, bodyStart, length);
        } else if (contentLength > 0) {
            long remaining = contentLength - (length - bodyStart);
            while (remaining > 0) {
                int read = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (read < 0) {
                    throw new IOException("connection closed in body");
                }
                remaining -= read;
            }
        }
        return status;
    }

    private static void readChunked(InputStream in, byte[] buffer, int start, int length) throws IOException {
        StringBuilder tail = new StringBuilder(new String(buffer, start, length - start, StandardCharsets.ISO_8859_1));
        while (tail.indexOf("\r\n0\r\n\r\n") < 0 && !tail.toString().startsWith("0\r\n\r\n")) {
            int read = in.read(buffer);
            if (read < 0) {
                throw new IOException("connection closed in chunked body");
            }
            tail.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
        }
    }

    private static int indexOf(byte[] buffer, int length) {
        for (int i = 0; i + 3 < length; i++) {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a dead connection; nothing to report
            }
        }
    }
}
