package dev.sluice.bench.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started by the harness (a {@link BenchServer} variant, or a bare Hazelcast member): its port, its CPU time,
 * and a stop that always ends it (input closed, then a bounded wait, then a kill).
 */
final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private ServerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts {@code mainClass args} on this JVM's class path and waits (bounded) for its {@code PORT n} line. */
    static ServerProcess start(String mainClass, List<String> args, Path log) throws IOException {
        return start(mainClass, List.of(), args, Map.of(), log);
    }

    /**
     * As {@link #start(String, List, Path)}, with further JVM options and these environment variables added to the
     * child's.
     */
    static ServerProcess start(String mainClass, List<String> jvmOptions, List<String> args,
            Map<String, String> environment, Path log) throws IOException {
        return launch(jvmOptions, List.of("-cp", System.getProperty("java.class.path"), mainClass), args, environment,
                log);
    }

    /** As {@link #start(String, List, List, Map, Path)}, with {@code classPath} instead of this JVM's. */
    static ServerProcess startOn(String classPath, String mainClass, List<String> jvmOptions, List<String> args,
            Path log) throws IOException {
        return launch(jvmOptions, List.of("-cp", classPath, mainClass), args, Map.of(), log);
    }

    /** As {@link #start(String, List, List, Map, Path)}, for an executable jar ({@code java -jar jar args}). */
    static ServerProcess startJar(Path jar, List<String> args, Map<String, String> environment, Path log)
            throws IOException {
        return launch(List.of(), List.of("-jar", jar.toString()), args, environment, log);
    }

    private static ServerProcess launch(List<String> jvmOptions, List<String> launch, List<String> args,
            Map<String, String> environment, Path log) throws IOException {
        String mainClass = String.join(" ", launch);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-XX:+UseParallelGC");
        command.add("-Dhazelcast.phone.home.enabled=false");
        command.addAll(jvmOptions);
        command.addAll(Profiles.jvmOptions(log));
        command.addAll(launch);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        java.util.Deque<String> printed = new java.util.concurrent.ConcurrentLinkedDeque<>();
        CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("PORT ")) {
                        return Integer.parseInt(line.substring(5).trim());
                    }
                    printed.addLast(line);
                    if (printed.size() > 40) {
                        printed.removeFirst();
                    }
                }
                return -1;
            } catch (IOException failure) {
                return -1;
            }
        });
        try {
            int found = port.get(180, TimeUnit.SECONDS);
            if (found < 0) {
                throw new IOException(mainClass + " " + args + " exited before listening; see " + log);
            }
            Thread drain = new Thread(() -> {
                try {
                    while (out.read() >= 0) {
                        // what it prints after its port (a Spring application logs to standard output) is dropped,
                        // so that a full pipe never stalls it
                    }
                } catch (IOException closed) {
                    // the process ended
                }
            }, "bench-drain");
            drain.setDaemon(true);
            drain.start();
            return new ServerProcess(process, found);
        } catch (Exception failure) {
            process.destroyForcibly();
            throw new IOException(mainClass + " " + args + " did not start: " + failure + "; see " + log
                    + "; it printed last:\n" + String.join("\n", printed), failure);
        }
    }

    /**
     * A free loopback port for a Hazelcast member of a cluster, below the system's ephemeral range (which starts at
     * 32768 on Linux): members connect to the ports of their peers before all of them listen, and such an outgoing
     * connection's own port, drawn from the ephemeral range, could take a port picked there for a member that has
     * not started yet.
     */
    static int freeMemberPort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = 20_000 + random.nextInt(12_000);
            try (java.net.ServerSocket socket = new java.net.ServerSocket(port, 1,
                    java.net.InetAddress.getLoopbackAddress())) {
                return port;
            } catch (java.io.IOException taken) {
                // in use: draw another
            }
        }
        throw new IllegalStateException("no free loopback port between 20000 and 32000");
    }

    /**
     * A free TCP port on 127.0.0.1 at the time of the call (for a Hazelcast member to bind a moment later; another
     * process could take it in between, in which case that member fails to start and says so).
     */
    static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** CPU time the process has used so far (user + system), in nanoseconds. */
    long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (IOException | InterruptedException failure) {
            process.destroyForcibly();
            if (failure instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
