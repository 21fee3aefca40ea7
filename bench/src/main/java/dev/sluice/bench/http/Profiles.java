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
 * {@code --profile} (or {@code -Dbench.profile=on}), every JVM the harness starts records with the {@code profile}
 * settings (a Java stack every 10 ms per running thread) into {@code <log name>.jfr} beside its log, written when it
 * stops. The summary of each recording gives, of all samples: the share whose stack holds a frame of each library
 * (inclusive: Sluice's own code, Bucket4j, Hazelcast, Jetty), the methods most often on top (self time), and Sluice's
 * methods by inclusive share. Recording costs a few percent, so profiled runs are for reading, never for the
 * figures.
 *
 * <p>Also runnable on its own: {@code Profiles file.jfr...}.
 */
public final class Profiles {
    /** The system property that turns recording on for every JVM the harness starts. */
    static final String PROPERTY = "bench.profile";
    private static final int TOP = 12;
    private static final Map<String, String> LIBRARIES = new LinkedHashMap<>();

    static {
        LIBRARIES.put("Sluice (dev.sluice, the bench's own code left out)", "dev.sluice.");
        LIBRARIES.put("Bucket4j", "io.github.bucket4j.");
        LIBRARIES.put("Hazelcast", "com.hazelcast.");
        LIBRARIES.put("Jetty", "org.eclipse.jetty.");
        LIBRARIES.put("Caffeine", "com.github.benmanes.caffeine.");
    }

    private Profiles() {}

    /** The JVM options that make a started JVM record, when profiling is on; none otherwise. */
    static List<String> jvmOptions(Path log) {
        if (!on()) {
            return List.of();
        }
        String name = log.getFileName().toString().replaceFirst("\\.log$", "") + ".jfr";
        return List.of("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
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
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> sluiceInclusive = new HashMap<>();
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
                Set<String> seenLibraries = new HashSet<>();
                Set<String> seenMethods = new HashSet<>();
                for (RecordedFrame frame : frames) {
                    String method = name(frame.getMethod());
                    for (Map.Entry<String, String> library : LIBRARIES.entrySet()) {
                        if (method.startsWith(library.getValue()) && !method.startsWith("dev.sluice.bench.")
                                && seenLibraries.add(library.getKey())) {
                            libraries.merge(library.getKey(), 1L, Long::sum);
                        }
                    }
                    if (method.startsWith("dev.sluice.") && !method.startsWith("dev.sluice.bench.")
                            && seenMethods.add(method)) {
                        sluiceInclusive.merge(method, 1L, Long::sum);
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%nProfile %s: %,d execution samples%n",
                recording.getFileName(), samples));
        if (samples == 0) {
            return out.toString();
        }
        for (Map.Entry<String, Long> library : libraries.entrySet()) {
            out.append(String.format(Locale.ROOT, "  %5.1f %%  in %s (inclusive)%n",
                    100.0 * library.getValue() / samples, library.getKey()));
        }
        out.append("  on top of the stack (self):\n");
        appendTop(out, self, samples);
        out.append("  Sluice's methods (inclusive):\n");
        appendTop(out, sluiceInclusive, samples);
        return out.toString();
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
