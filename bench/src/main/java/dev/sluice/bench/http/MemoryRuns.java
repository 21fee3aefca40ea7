package dev.sluice.bench.http;

import dev.sluice.bench.MemoryProbe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link MemoryProbe} in its own JVM ({@code -Xmx2g}, parallel collector, so that {@code System.gc()} is a full
 * collection) and reads its {@code RESULT} lines. Blocking, at most 5 minutes.
 */
final class MemoryRuns {
    private MemoryRuns() {}

    static Map<String, Long> run(Path workDir, int keys, int queued) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx2g", "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"),
                MemoryProbe.class.getName(), Integer.toString(keys), Integer.toString(queued)));
        LoadHarness.log("memory probe: " + keys + " keys, " + queued + " queued");
        Path log = workDir.resolve("memory.log");
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        String output;
        try {
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                throw new IOException("the memory probe did not finish in 5 minutes; see " + log);
            }
        } finally {
            process.destroyForcibly();
        }
        Map<String, Long> results = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            String[] parts = line.trim().split(" ");
            if (parts.length == 3 && parts[0].equals("RESULT")) {
                results.put(parts[1], Long.parseLong(parts[2]));
            }
        }
        if (!results.containsKey("keys-heap-bytes") || !results.containsKey("concurrency-queue-bytes-per-request")) {
            throw new IOException("the memory probe exited with " + process.exitValue() + " without its figures; see "
                    + log);
        }
        return results;
    }

    static String table(Map<String, Long> results) {
        long keys = results.get("keys");
        long bound = results.get("keys-bound");
        long heap = results.get("keys-heap-bytes");
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nMemory (node scope, through Sluice.admit, heap after full GC)%n"));
        out.append(String.format(Locale.ROOT, "| %-80s | %22s |%n", "figure", "value"));
        out.append("|").append("-".repeat(82)).append("|").append("-".repeat(24)).append("|\n");
        out.append(String.format(Locale.ROOT, "| %-80s | %,19d B |%n",
                String.format(Locale.ROOT, "heap retained after %,d distinct keys touched once", keys), heap));
        out.append(String.format(Locale.ROOT, "| %-80s | %,22d |%n", "cache bound (buckets kept per policy)", bound));
        out.append(String.format(Locale.ROOT, "| %-80s | %,19d B |%n", "per bucket kept (retained / min(keys, bound))",
                heap / Math.max(1, Math.min(keys, bound))));
        for (String kind : List.of("rate", "concurrency")) {
            out.append(String.format(Locale.ROOT, "| %-80s | %,19d B |%n", String.format(Locale.ROOT,
                    "per queued request, %,d waiting in a %s queue (target < 2,048 B)", results.get(kind + "-queued"),
                    kind), results.get(kind + "-queue-bytes-per-request")));
            long early = results.getOrDefault(kind + "-queued-completed-early", 0L);
            if (early > 0) {
                out.append(String.format(Locale.ROOT, "note: %d of the %s queue's requests were released during the "
                        + "measurement%n", early, kind));
            }
        }
        return out.toString();
    }
}
