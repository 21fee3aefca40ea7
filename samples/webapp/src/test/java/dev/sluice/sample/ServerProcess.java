package dev.sluice.sample;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A server in its own JVM, started from a command line, with its output in a log file. {@link #close()} always stops
 * it: destroy (a graceful shutdown through the JVM's shutdown hooks), a bounded wait, then destroyForcibly; the same
 * for any process it started.
 */
final class ServerProcess implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final String name;
    private final Process process;
    private final Path log;

    private ServerProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command} in {@code directory} with {@code env} added to this JVM's environment. */
    static ServerProcess start(String name, List<String> command, Path directory, Map<String, String> env, Path log)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        builder.environment().putAll(env);
        return new ServerProcess(name, builder.start(), log);
    }

    /** Runs {@code command} to completion (bounded), failing with its output when it fails. */
    static void run(String name, List<String> command, Path directory, Path log) throws Exception {
        try (ServerProcess step = start(name, command, directory, Map.of(), log)) {
            if (!step.process.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError(name + " did not finish within " + START_TIMEOUT + ":\n" + step.output());
            }
            if (step.process.exitValue() != 0) {
                throw new AssertionError(name + " failed with exit code " + step.process.exitValue() + ":\n"
                        + step.output());
            }
        }
    }

    /** The java executable of the JVM running the tests. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A port that is free on 127.0.0.1 now. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /** Waits until {@code uri} answers 200, failing early with the log when the process dies. */
    void awaitReady(HttpClient client, URI uri) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with code " + process.exitValue() + " before serving "
                        + uri + ":\n" + output());
            }
            try {
                HttpResponse<Void> response = client.send(HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError(name + " did not serve " + uri + " within " + START_TIMEOUT + ":\n" + output());
    }

    long pid() {
        return process.pid();
    }

    /**
     * The heap this JVM uses right after a full GC, in bytes: {@code jcmd PID GC.run}, then the sum of the heap's
     * "used" figures in {@code jcmd PID GC.heap_info} (class space and metaspace left out). Each jcmd call is bounded
     * (60 s); works for the collectors that report in K (Serial, Parallel, G1, the JVM's defaults).
     */
    long heapAfterGc() throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        jcmd(jcmd, "GC.run");
        long kilobytes = 0;
        boolean found = false;
        for (String line : jcmd(jcmd, "GC.heap_info").split("\\R")) {
            java.util.regex.Matcher used = java.util.regex.Pattern.compile("used (\\d+)K").matcher(line);
            if (!line.contains("space") && used.find()) {
                kilobytes += Long.parseLong(used.group(1));
                found = true;
            }
        }
        if (!found) {
            throw new AssertionError("jcmd GC.heap_info of " + name + " shows no heap figure in K");
        }
        return kilobytes * 1024;
    }

    private String jcmd(String jcmd, String command) throws Exception {
        Path output = Files.createTempFile(log.getParent(), "jcmd-", ".txt");
        Process call = new ProcessBuilder(jcmd, Long.toString(process.pid()), command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullDevice())).start();
        boolean done = call.waitFor(60, TimeUnit.SECONDS);
        if (!done) {
            call.destroyForcibly();
            call.waitFor(10, TimeUnit.SECONDS);
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        if (!done || call.exitValue() != 0) {
            throw new AssertionError("jcmd " + command + " on " + name + " failed: " + text);
        }
        return text;
    }

    /**
     * Waits (at most {@code within}) for the process to exit on its own.
     *
     * @return its exit code
     * @throws AssertionError with its output when it is still running
     */
    int awaitExit(Duration within) throws InterruptedException {
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " was expected to exit but still runs after " + within + ":\n"
                    + output());
        }
        return process.exitValue();
    }

    /** Kills the process at once, without a chance to clean up (SIGKILL on Linux). */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** The process's output so far (its last 20,000 characters). */
    String output() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() > 20_000 ? text.substring(text.length() - 20_000) : text;
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> children = new ArrayList<>(process.descendants().toList());
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        for (ProcessHandle child : children) {
            child.destroyForcibly();
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }
}
