package dev.sluice.gateway;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} (Debian package {@code redis-server}; {@code .ci/run} installs it) on a free loopback
 * port, without persistence, stopped by {@link #close()}. Where the program is missing, the test is skipped with the
 * reason, except under {@code CI=true}, where it fails.
 */
final class RedisServer implements AutoCloseable {
    private static final long START_SECONDS = 30;

    private final Process process;
    private final int port;
    private final Path log;

    private RedisServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** The {@code redis-server} program: {@code /usr/bin/redis-server}, else the first on {@code PATH}, else null. */
    static Path program() {
        Path debian = Path.of("/usr/bin/redis-server");
        if (Files.isExecutable(debian)) {
            return debian;
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String directory : path.split(File.pathSeparator)) {
                Path candidate = Path.of(directory, "redis-server");
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    /** Starts redis-server, or skips the calling test (fails it under {@code CI=true}) when it is not installed. */
    static RedisServer start() throws IOException, InterruptedException {
        Path program = program();
        if (program == null) {
            String reason = "redis-server is not installed (Debian: apt-get install redis-server)";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(reason + "; CI=true requires it");
            }
            Assumptions.abort(reason);
        }
        int port = freePort();
        Path log = Files.createTempFile("sluice-redis-", ".log");
        Process process = new ProcessBuilder(program.toString(), "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RedisServer server = new RedisServer(process, port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited at start: " + server.output());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return server;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        server.close();
        throw new IOException("redis-server did not listen on 127.0.0.1:" + port + " within " + START_SECONDS
                + " s: " + server.output());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    /** What the server wrote so far (for failure messages). */
    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException unreadable) {
            return "(" + log + " unreadable: " + unreadable.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException interrupted) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // a temporary file; the OS cleans it up
            }
        }
    }
}
