package dev.sluice.bench.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the server JVMs of a run spent their CPU, from JDK Flight Recorder's execution samples: with
 * {@code --profile} (or {@code -Dbench.profile=on}), every JVM the harness starts records
 * execution samples only (the Java stacks of running threads, every millisecond) into {@code <log name>.jfr} beside
 * its log, written when it stops. Samples cover time in Java code, not in system calls. The summary of each recording
 * gives, of all its samples: who owns them (the frame nearest the top of the stack that is Sluice's, Jetty's,
 * Hazelcast's or the benchmark's own, so that Sluice's share holds what Sluice itself does and calls, not the rest of
 * the chain), the share with a frame of each library anywhere on the stack, the methods most often on top, and
 * Sluice's own time by method. Recording costs a few percent, so profiled runs are for reading, never for the
 * figures.
 *
 * <p>Also runnable on its own: {@code Profiles file.jfr...}.
 */
public final class Profiles {
    /** The system property that turns recording on for every JVM the harness starts. */
    static final String PROPERTY = "bench.profile";
    private static final int TOP = 12;
    private static final String BENCH = "dev.sluice.bench.";
    private static final String SLUICE_OWNED = "Sluice (with what it calls: Bucket4j, Caffeine)";
    private static final Map<String, String> LIBRARIES = new LinkedHashMap<>();

    static {
        LIBRARIES.put("Sluice (dev.sluice, the bench's own code left out)", "dev.sluice.");
        LIBRARIES.put("Bucket4j", "io.github.bucket4j.");
        LIBRARIES.put("Hazelcast", "com.hazelcast.");
        LIBRARIES.put("Jetty", "org.eclipse.jetty.");
        LIBRARIES.put("Caffeine", "com.github.benmanes.caffeine.");
    }

    private Profiles() {}

    /**
     * The recording's settings: Java stacks of running threads every millisecond (the {@code profile} settings take
     * one every 10 ms, too few for a run of seconds), and nothing else.
     */
    private static final String SETTINGS = """
            <?xml version="1.0" encoding="UTF-8"?>
            <configuration version="2.0" label="Sluice benchmarks">
              <event name="jdk.ExecutionSample">
                <setting name="enabled">true</setting>
                <setting name="period">1 ms</setting>
              </event>
            </configuration>
            """;

    /** The JVM options that make a started JVM record, when profiling is on; none otherwise. */
    static List<String> jvmOptions(Path log) throws IOException {
        if (!on()) {
            return List.of();
        }
        Path settings = log.resolveSibling("execution-samples.jfc");
        if (!Files.exists(settings)) {
            Files.writeString(settings, SETTINGS);
        }
        String name = log.getFileName().toString().replaceFirst("\\.log$", "") + ".jfr";
        return List.of("-XX:StartFlightRecording=settings=" + settings + ",dumponexit=true,filename="
                + log.resolveSibling(name));
    }

    /** Whether profiling is on ({@code -Dbench.profile=on}, or {@code --profile}). */
    static boolean on() {
        return "on".equals(System.getProperty(PROPERTY));
    }

    public static void main(String[] args) throws IOException {
        for (String file : args) {
            System.out.println(summary(Path.of(file)));
        }
    }

    /** The summaries of every recording in {@code directory}, by file name. */
    static String summaries(Path directory) throws IOException {
        StringBuilder out = new StringBuilder();
        List<Path> recordings;
        try (Stream<Path> files = Files.list(directory)) {
            recordings = files.filter(file -> file.toString().endsWith(".jfr")).sorted().toList();
        }
        for (Path recording : recordings) {
            out.append(summary(recording));
        }
        return out.toString();
    }

    /** One recording's summary, as text. */
    static String summary(Path recording) throws IOException {
        long samples = 0;
        Map<String, Long> libraries = new LinkedHashMap<>();
        Map<String, Long> owners = new LinkedHashMap<>();
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> sluiceOwned = new HashMap<>();
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent event = file.readEvent();
                if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                    continue;
                }
                List<RecordedFrame> frames = event.getStackTrace().getFrames();
                if (frames.isEmpty()) {
                    continue;
                }
                samples++;
                self.merge(name(frames.get(0).getMethod()), 1L, Long::sum);
                Set<String> seen = new HashSet<>();
                String owner = null;
                for (RecordedFrame frame : frames) {
                    String method = name(frame.getMethod());
                    for (Map.Entry<String, String> library : LIBRARIES.entrySet()) {
                        if (method.startsWith(library.getValue()) && !method.startsWith(BENCH)
                                && seen.add(library.getKey())) {
                            libraries.merge(library.getKey(), 1L, Long::sum);
                        }
                    }
                    if (owner == null) {
                        owner = owner(method);
                        if (owner == SLUICE_OWNED) {
                            sluiceOwned.merge(method, 1L, Long::sum);
                        }
                    }
                }
                owners.merge(owner == null ? "the JDK alone (thread pools, selectors, locks)" : owner, 1L, Long::sum);
            }
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%nProfile %s: %,d execution samples%n",
                recording.getFileName(), samples));
        if (samples == 0) {
            return out.toString();
        }
        out.append("  by owner (the frame nearest the top of the stack that belongs to one of them):\n");
        appendTop(out, owners, samples);
        out.append("  with a frame of each library anywhere on the stack (inclusive; Sluice's includes the rest of "
                + "the filter chain):\n");
        appendTop(out, libraries, samples);
        out.append("  on top of the stack (self):\n");
        appendTop(out, self, samples);
        out.append("  Sluice's own time, by its method nearest the top (with what it calls, the chain left out):\n");
        appendTop(out, sluiceOwned, samples);
        return out.toString();
    }

    /** Who a frame's method belongs to, for the by-owner split; null for the JDK and unlisted libraries. */
    private static String owner(String method) {
        if (method.startsWith(BENCH)) {
            return "the benchmark's own servlet and code";
        }
        if (method.startsWith("dev.sluice.")) {
            return SLUICE_OWNED;
        }
        if (method.startsWith("org.eclipse.jetty.")) {
            return "Jetty";
        }
        if (method.startsWith("com.hazelcast.")) {
            return "Hazelcast (with what it calls: Bucket4j's cluster code)";
        }
        return null;
    }

    private static void appendTop(StringBuilder out, Map<String, Long> counts, long samples) {
        List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        for (Map.Entry<String, Long> entry : entries.subList(0, Math.min(TOP, entries.size()))) {
            out.append(String.format(Locale.ROOT, "    %5.1f %%  %s%n", 100.0 * entry.getValue() / samples,
                    entry.getKey()));
        }
    }

    private static String name(RecordedMethod method) {
        return method.getType().getName() + "." + method.getName();
    }
}
