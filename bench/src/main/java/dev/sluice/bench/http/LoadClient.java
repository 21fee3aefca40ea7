package dev.sluice.bench.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * An HTTP/1.1 keep-alive load generator on one thread: {@code connections} non-blocking channels on one
 * {@link Selector}, one request in flight per connection, cheap enough to offer 20–25 k requests per second over
 * loopback while sharing two cores with the server.
 *
 * <p><b>Open loop</b> (a rate given): request {@code i} is due at {@code start + i / rate}, wrk2 style. A due request
 * goes out on the first idle connection; when none is idle it waits in a backlog and goes out as soon as one is. Its
 * latency counts from the time it was <em>due</em>, not from when it was written, so a server that stalls is charged
 * for every request it delayed (no coordinated omission). Requests still due but unsent when the run ends are counted
 * as {@link Result#unsent()}. <b>Closed loop</b> (rate 0): each connection sends its next request as soon as the
 * previous answer is in; latency counts from the write.
 *
 * <p>Responses are parsed just enough to find their end: the status line, {@code Content-Length}, {@code
 * Transfer-Encoding: chunked} (with trailers) and {@code Connection: close}; a closed or broken connection counts its
 * request as an error and is reopened. Not thread-safe: one instance runs one {@link #run} at a time, on the calling
 * thread, which it keeps busy (parking between due times) until the run ends.
 */
public final class LoadClient {
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final InetSocketAddress address;
    private final byte[] request;
    private final int connections;

    /**
     * @param port        the server's port on 127.0.0.1
     * @param path        the request target, e.g. {@code /hello}
     * @param connections keep-alive connections to use, at least 1
     */
    public LoadClient(int port, String path, int connections) {
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1, got " + connections);
        }
        this.address = new InetSocketAddress("127.0.0.1", port);
        this.request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        this.connections = connections;
    }

    /**
     * What one run measured.
     *
     * @param completed      responses received (any status)
     * @param ok             2xx responses
     * @param refused        429 and 503 responses
     * @param errors         other statuses, broken connections, and requests in flight when the run ended
     * @param unsent         open loop: requests that were due but never written (the client or server fell behind)
     * @param seconds        the run's planned duration
     * @param latencyMicros  latency of every completed request in microseconds (from its due time in open loop)
     * @param firstSendNanos {@link System#nanoTime()} of the first write, 0 when nothing was sent
     * @param lastSendNanos  {@link System#nanoTime()} of the last write, 0 when nothing was sent
     */
    public record Result(long completed, long ok, long refused, long errors, long unsent, double seconds,
            Histogram latencyMicros, long firstSendNanos, long lastSendNanos) {
        public double perSecond() {
            return completed / seconds;
        }

        public double p99Millis() {
            return latencyMicros.getValueAtPercentile(99.0) / 1000.0;
        }

        /** Seconds between the first and the last request written. */
        public double sendingSeconds() {
            return (lastSendNanos - firstSendNanos) / 1e9;
        }
    }

    /**
     * Sends for {@code seconds}, then waits (at most 2 s) for the answers in flight.
     *
     * @param ratePerSecond the offered rate across all connections, or 0 for closed loop
     * @throws IOException when no connection to the server can be opened at the start
     */
    public Result run(double ratePerSecond, double seconds) throws IOException {
        return run(ratePerSecond, seconds, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
    }

    /**
     * As {@link #run(double, double)}, with the first request due at {@code startNanos} ({@link System#nanoTime()}
     * time base), so that several clients on several threads can start together.
     */
    public Result run(double ratePerSecond, double seconds, long startNanos) throws IOException {
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        Run run = new Run(ratePerSecond, seconds, startNanos, histogram);
        try (Selector selector = Selector.open()) {
            run.execute(selector);
        }
        return new Result(run.ok + run.refused + run.otherStatus, run.ok, run.refused,
                run.otherStatus + run.broken + run.inFlightAtEnd, run.unsent, seconds, histogram, run.firstSend,
                run.lastSend);
    }

    /** The state of one run; confined to the thread running it. */
    private final class Run {
        private final long interval;
        private final long start;
        private final long end;
        private final Histogram histogram;
        private final ArrayDeque<Connection> idle = new ArrayDeque<>();
        private long nextDue;
        private long ok;
        private long refused;
        private long otherStatus;
        private long broken;
        private long unsent;
        private long inFlightAtEnd;
        private long firstSend;
        private long lastSend;

        Run(double rate, double seconds, long start, Histogram histogram) {
            this.interval = rate <= 0 ? 0 : Math.max(1, Math.round(1e9 / rate));
            this.start = start;
            this.end = start + (long) (seconds * 1e9);
            this.histogram = histogram;
            this.nextDue = start;
        }

        void execute(Selector selector) throws IOException {
            Connection[] all = new Connection[connections];
            for (int i = 0; i < connections; i++) {
                all[i] = new Connection(selector);
                all[i].open();
                idle.add(all[i]);
            }
            try {
                long now = System.nanoTime();
                if (start > now) {
                    LockSupport.parkNanos(start - now);
                }
                while ((now = System.nanoTime()) < end) {
                    sendDue(now);
                    long wait = idle.isEmpty() || interval == 0 ? TimeUnit.MILLISECONDS.toNanos(1) : nextDue - now;
                    if (wait <= 0) {
                        selector.selectNow();
                    } else if (wait < TimeUnit.MILLISECONDS.toNanos(1)) {
                        if (selector.selectNow() == 0) {
                            LockSupport.parkNanos(wait);
                            selector.selectNow();
                        }
                    } else {
                        selector.select(Math.min(wait, end - now) / 1_000_000 + 1);
                    }
                    readReady(selector);
                }
                if (interval > 0) {
                    unsent = Math.max(0, (end - nextDue + interval - 1) / interval);
                }
                long drainEnd = System.nanoTime() + DRAIN_NANOS;
                while (idle.size() < connections && System.nanoTime() < drainEnd) {
                    selector.select(10);
                    readReady(selector);
                }
                inFlightAtEnd = connections - idle.size();
            } finally {
                for (Connection connection : all) {
                    connection.close();
                }
            }
        }

        /** Writes every due request that has an idle connection to go on. */
        private void sendDue(long now) {
            while (!idle.isEmpty() && (interval == 0 || nextDue <= now)) {
                Connection connection = idle.poll();
                long due = interval == 0 ? now : nextDue;
                if (!connection.send(due)) {
                    continue;
                }
                if (firstSend == 0) {
                    firstSend = now;
                }
                lastSend = now;
                if (interval > 0) {
                    nextDue += interval;
                }
                if (interval == 0) {
                    now = System.nanoTime();
                }
            }
        }

        private void readReady(Selector selector) {
            for (SelectionKey key : selector.selectedKeys()) {
                Connection connection = (Connection) key.attachment();
                connection.onReadable();
            }
            selector.selectedKeys().clear();
        }

        /** One keep-alive connection and the parse state of its response. */
        private final class Connection {
            private static final int HEAD = 0;
            private static final int BODY = 1;
            private static final int CHUNK_SIZE = 2;
            private static final int CHUNK_DATA = 3;
            private static final int TRAILER = 4;

            private final Selector selector;
            private final ByteBuffer in = ByteBuffer.allocate(16 * 1024);
            private final ByteBuffer out = ByteBuffer.wrap(request);
            private SocketChannel channel;
            private SelectionKey key;
            private long due;
            private boolean busy;
            private int state;
            private long remaining;
            private int status;
            private boolean closeAfter;

            Connection(Selector selector) {
                this.selector = selector;
            }

            void open() throws IOException {
                channel = SocketChannel.open();
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.connect(address);
                channel.configureBlocking(false);
                key = channel.register(selector, SelectionKey.OP_READ, this);
                in.clear();
                state = HEAD;
            }

            /** Writes the request; false (the connection is dropped and reopened) when the write fails. */
            boolean send(long dueNanos) {
                try {
                    out.rewind();
                    while (out.hasRemaining()) {
                        if (channel.write(out) == 0) {
                            Thread.onSpinWait();
                        }
                    }
                    due = dueNanos;
                    busy = true;
                    return true;
                } catch (IOException failure) {
                    broken++;
                    reopen(true);
                    return false;
                }
            }

            void onReadable() {
                try {
                    int read = channel.read(in);
                    if (read < 0) {
                        throw new IOException("connection closed by the server");
                    }
                    in.flip();
                    boolean done = parse();
                    in.compact();
                    if (done) {
                        finish();
                    }
                } catch (IOException | RuntimeException failure) {
                    boolean wasBusy = busy;
                    if (wasBusy) {
                        broken++;
                    }
                    busy = false;
                    reopen(wasBusy);
                }
            }

            private void finish() {
                long micros = Math.max(1, (System.nanoTime() - due) / 1000);
                histogram.recordValue(Math.min(micros, histogram.getHighestTrackableValue()));
                if (status >= 200 && status < 300) {
                    ok++;
                } else if (status == 429 || status == 503) {
                    refused++;
                } else {
                    otherStatus++;
                }
                busy = false;
                state = HEAD;
                if (closeAfter) {
                    reopen(true);
                } else {
                    idle.add(this);
                }
            }

            /** Consumes what {@code in} holds; true once a whole response has been read. */
            private boolean parse() throws IOException {
                while (true) {
                    switch (state) {
                        case HEAD -> {
                            int endOfHead = find(in, "\r\n\r\n");
                            if (endOfHead < 0) {
                                if (in.remaining() == in.capacity()) {
                                    throw new IOException("response head larger than " + in.capacity() + " bytes");
                                }
                                return false;
                            }
                            readHead(endOfHead);
                        }
                        case BODY -> {
                            int take = (int) Math.min(remaining, in.remaining());
                            in.position(in.position() + take);
                            remaining -= take;
                            return remaining == 0;
                        }
                        case CHUNK_SIZE -> {
                            int endOfLine = find(in, "\r\n");
                            if (endOfLine < 0) {
                                return false;
                            }
                            String line = ascii(in, endOfLine);
                            in.position(endOfLine + 2);
                            int extension = line.indexOf(';');
                            long size = Long.parseLong((extension < 0 ? line : line.substring(0, extension)).trim(),
                                    16);
                            state = size == 0 ? TRAILER : CHUNK_DATA;
                            remaining = size + 2;
                        }
                        case CHUNK_DATA -> {
                            int take = (int) Math.min(remaining, in.remaining());
                            in.position(in.position() + take);
                            remaining -= take;
                            if (remaining > 0) {
                                return false;
                            }
                            state = CHUNK_SIZE;
                        }
                        case TRAILER -> {
                            int endOfLine = find(in, "\r\n");
                            if (endOfLine < 0) {
                                return false;
                            }
                            boolean last = endOfLine == in.position();
                            in.position(endOfLine + 2);
                            if (last) {
                                return true;
                            }
                        }
                        default -> throw new IllegalStateException("parse state " + state);
                    }
                }
            }

            private void readHead(int endOfHead) throws IOException {
                String head = ascii(in, endOfHead);
                in.position(endOfHead + 4);
                if (head.length() < 12 || !head.startsWith("HTTP/1.")) {
                    throw new IOException("not an HTTP/1.x response: " + head);
                }
                status = Integer.parseInt(head.substring(9, 12));
                long length = 0;
                boolean chunked = false;
                closeAfter = false;
                int lineStart = head.indexOf("\r\n");
                while (lineStart >= 0 && lineStart < head.length()) {
                    int lineEnd = head.indexOf("\r\n", lineStart + 2);
                    String line = head.substring(lineStart + 2, lineEnd < 0 ? head.length() : lineEnd);
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        String name = line.substring(0, colon).trim();
                        String value = line.substring(colon + 1).trim();
                        if (name.equalsIgnoreCase("Content-Length")) {
                            length = Long.parseLong(value);
                        } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                            chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
                        } else if (name.equalsIgnoreCase("Connection")) {
                            closeAfter = value.equalsIgnoreCase("close");
                        }
                    }
                    lineStart = lineEnd;
                }
                if (chunked) {
                    state = CHUNK_SIZE;
                } else {
                    state = BODY;
                    remaining = length;
                }
            }

            /** Replaces the channel; {@code backToIdle} when the connection is not already in the idle set. */
            private void reopen(boolean backToIdle) {
                close();
                try {
                    open();
                    if (backToIdle) {
                        idle.add(this);
                    }
                } catch (IOException failure) {
                    broken++;
                    // left out of the idle set: the run goes on with the remaining connections
                }
            }

            void close() {
                if (key != null) {
                    key.cancel();
                }
                if (channel != null) {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // closing a dead connection; nothing to report
                    }
                }
            }
        }
    }

    /** Absolute index of {@code marker} in {@code buffer} between its position and limit, or -1. */
    private static int find(ByteBuffer buffer, String marker) {
        int last = buffer.limit() - marker.length();
        outer:
        for (int i = buffer.position(); i <= last; i++) {
            for (int j = 0; j < marker.length(); j++) {
                if (buffer.get(i + j) != marker.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String ascii(ByteBuffer buffer, int end) {
        byte[] bytes = new byte[end - buffer.position()];
        buffer.get(buffer.position(), bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
