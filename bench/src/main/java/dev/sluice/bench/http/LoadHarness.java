package dev.sluice.bench.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark suite in one run, printing one report: the HTTP load comparison, {@code SluiceFilter.doFilter} alone
 * (JMH), accuracy and memory.
 *
 * <ul>
 *   <li><b>Load</b>: every {@link Variant} of {@link BenchServer} in its own JVM, measured side by side, warmed up,
 *       then in interleaved rounds with the order rotated (A B C, B C A, ...), as ratios and differences to the
 *       no-filter baseline of the same run. <em>Saturating</em>: {@code wrk -t1 -c32} (or, without it, the built-in
 *       client in closed loop) drives each server as hard as it goes; median requests per second and p99.
 *       <em>Fixed rate</em>: the built-in open-loop client ({@link LoadClient}) offers 60 % of the baseline's
 *       saturating rate (at most {@value #MAX_FIXED_RATE}/s) to every variant; server CPU microseconds per request
 *       (the OS's CPU accounting of the server process) and p99 from the intended send times. On a 2-core
 *       machine this is the steadier figure.</li>
 *   <li><b>Filter</b>: {@link dev.sluice.bench.FilterBenchmark} with short iterations.</li>
 *   <li><b>Accuracy</b>: {@link AccuracyRuns}.</li>
 *   <li><b>Memory</b>: {@link dev.sluice.bench.MemoryProbe} in its own JVM.</li>
 * </ul>
 *
 * <p>{@code gateway} runs the load comparison on the gateway variants ({@link Variant#gateway()}) instead, as ratios
 * to a gateway without a limiter, then their accuracy ({@link AccuracyRuns#runGateways}: every gateway variant with a
 * limiter at 500/s, burst 50, offered {@value AccuracyRuns#GATEWAY_OFFERED_PER_SECOND}/s); {@code gateway-accuracy}
 * runs that accuracy table alone.
 *
 * <p>Usage: {@code LoadHarness [all|load|filter|accuracy|memory|gateway|gateway-accuracy] [--smoke]
 * [--variants NONE,JETTY_DOS,...] [--rounds 3] [--seconds 5] [--rate R] [--no-wrk] [--profile]}. {@code --smoke}
 * runs every part briefly (three variants, one short round, node-scope accuracy, small memory figures, no JMH; 2 s
 * accuracy runs for the gateway) to show the harness works; its figures mean nothing. {@code --profile} records every
 * server JVM with JDK Flight Recorder and appends where each spent its CPU ({@link Profiles}); it costs a few
 * percent, so a profiled run's figures are not to be quoted. Exits with status 1 when a run could not be measured (a
 * server did not start, a PATCH failed).
 */
public final class LoadHarness {
    private static final Pattern WRK_RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern WRK_P99 = Pattern.compile("\\s99%\\s+([0-9.]+)(us|ms|s)");

    /**
     * The fixed rate is 60 % of the baseline's saturating median, but at most this: what the one-thread client
     * offers steadily on a 2-core machine while the server takes the other core (see {@link LoadClient}).
     */
    static final double MAX_FIXED_RATE = 20_000;

    private final List<Variant> variants;
    private final int rounds;
    private final double seconds;
    private final boolean useWrk;
    private final double fixedRate;
    private final Path workDir;

    LoadHarness(List<Variant> variants, int rounds, double seconds, boolean useWrk, double fixedRate, Path workDir) {
        this.variants = variants;
        this.rounds = rounds;
        this.seconds = seconds;
        this.useWrk = useWrk;
        this.fixedRate = fixedRate;
        this.workDir = workDir;
    }

    public static void main(String[] args) throws Exception {
        String part = "all";
        List<Variant> variants = null;
        int rounds = 3;
        double seconds = 5;
        double rate = 0;
        boolean smoke = false;
        boolean wrk = wrkInstalled();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "all", "load", "filter", "accuracy", "memory", "gateway", "gateway-accuracy" -> part = args[i];
                case "--smoke" -> smoke = true;
                case "--variants" -> {
                    variants = new ArrayList<>();
                    for (String name : args[++i].split(",")) {
                        variants.add(Variant.valueOf(name.trim().toUpperCase(Locale.ROOT)));
                    }
                }
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--no-wrk" -> wrk = false;
                case "--profile" -> System.setProperty(Profiles.PROPERTY, "on");
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: "
                        + "[all|load|filter|accuracy|memory|gateway|gateway-accuracy] [--smoke] [--variants A,B] "
                        + "[--rounds N] [--seconds S] [--rate R] [--no-wrk] [--profile]");
            }
        }
        boolean gateway = part.equals("gateway") || part.equals("gateway-accuracy");
        if (variants == null) {
            variants = new ArrayList<>(Arrays.stream(Variant.values()).filter(v -> v.gateway() == gateway).toList());
            if (smoke && !gateway) {
                variants = new ArrayList<>(List.of(Variant.NONE, Variant.SLUICE_NODE_RATE, Variant.SLUICE_CLUSTER_RATE));
            }
        }
        if (smoke) {
            rounds = 1;
            seconds = 1.5;
        }
        Variant baseline = variants.stream().allMatch(Variant::gateway) ? Variant.GATEWAY_NONE : Variant.NONE;
        variants.remove(baseline);
        variants.add(0, baseline);
        Path work = Files.createTempDirectory("sluice-bench");
        log("logs in " + work);
        long began = System.nanoTime();
        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, "%nSluice benchmarks%s: %s, %d cores, %s%n", smoke ? " (SMOKE: "
                        + "figures mean nothing)" : "", System.getProperty("java.vm.name") + " "
                        + System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.arch")));
        if (part.equals("all") || part.equals("load")) {
            report.append(new LoadHarness(variants, rounds, seconds, wrk, rate, work).run().table());
            report.append(String.format(Locale.ROOT, "Limits: Sluice rate policies (node and cluster) %,d/s per "
                    + "client address, burst = limit, never reached (everything admitted); Sluice concurrency 10,000 "
                    + "permits; Jetty DoSFilter 1,000,000/s; QoSFilter 10,000; hand-written Bucket4j %,d/s.%n",
                    BenchServer.NEVER_REACHED, BenchServer.NEVER_REACHED));
        }
        if (part.equals("gateway")) {
            report.append(new LoadHarness(variants, rounds, seconds, wrk, rate, work).run().table());
            report.append(String.format(Locale.ROOT, "Limits: every limiter %,d/s per client address, burst = "
                    + "limit, never reached (everything admitted). Only the gateway JVM's CPU is counted (each "
                    + "variant has its own backend JVM; Redis and its server are not counted).%n",
                    BenchServer.NEVER_REACHED));
        }
        if (gateway) {
            AccuracyRuns accuracy = new AccuracyRuns(work, smoke ? 2 : 8, AccuracyRuns.GATEWAY_OFFERED_PER_SECOND);
            report.append(AccuracyRuns.table(String.format(Locale.ROOT, "through one gateway (own backend, own Redis "
                    + "or Hazelcast member) offered %,d/s, admitted = 2xx", AccuracyRuns.GATEWAY_OFFERED_PER_SECOND),
                    accuracy.runGateways(variants)));
        }
        if ((part.equals("all") && !smoke) || part.equals("filter")) {
            report.append(FilterRuns.table(FilterRuns.run(work)));
        }
        if (part.equals("all") || part.equals("accuracy")) {
            AccuracyRuns accuracy = new AccuracyRuns(work, smoke ? 2 : 8, 3000);
            report.append(AccuracyRuns.table("over HTTP", accuracy.runAll(smoke)));
        }
        if (part.equals("all") || part.equals("memory")) {
            report.append(MemoryRuns.table(MemoryRuns.run(work, smoke ? 100_000 : 1_000_000, smoke ? 1_000 : 10_000)));
        }
        if (Profiles.on()) {
            report.append(Profiles.summaries(work));
        }
        report.append(String.format(Locale.ROOT, "%nTotal time %.0f s.%n", (System.nanoTime() - began) / 1e9));
        System.out.println(report);
    }

    /** Runs every round and returns the figures. */
    Report run() throws Exception {
        Map<Variant, Deployment> servers = new LinkedHashMap<>();
        Report report = new Report(variants, useWrk);
        try {
            for (Variant variant : variants) {
                servers.put(variant, Deployment.variant(variant, workDir));
            }
            log("servers up: " + servers.keySet());
            for (Variant variant : variants) {
                saturate(servers.get(variant).port(), Math.min(5, seconds));
            }
            for (int round = 0; round < rounds; round++) {
                for (Variant variant : rotated(round)) {
                    Saturation result = saturate(servers.get(variant).port(), seconds);
                    report.saturated(variant, result);
                    log(String.format(Locale.ROOT, "round %d saturating %-22s %9.0f req/s  p99 %6.2f ms", round + 1,
                            variant, result.perSecond, result.p99Millis));
                }
            }
            double rate = fixedRate > 0 ? fixedRate
                    : Math.min(MAX_FIXED_RATE, 0.6 * report.medianPerSecond(variants.get(0)));
            report.offeredRate(rate);
            for (Variant variant : variants) {
                new LoadClient(servers.get(variant).port(), "/hello", 16).run(rate, Math.min(2, seconds));
            }
            for (int round = 0; round < rounds; round++) {
                for (Variant variant : rotated(round)) {
                    Deployment server = servers.get(variant);
                    long cpuBefore = server.serverCpuNanos();
                    long clientBefore = ownCpuNanos();
                    LoadClient.Result result = new LoadClient(server.port(), "/hello", 16).run(rate, seconds);
                    long cpu = server.serverCpuNanos() - cpuBefore;
                    double clientPerRequest = (ownCpuNanos() - clientBefore) / 1000.0 / Math.max(1, result.completed());
                    double perRequest = cpu / 1000.0 / Math.max(1, result.completed());
                    report.fixed(variant, perRequest, result.p99Millis(), result.perSecond(),
                            result.errors() + result.unsent() + result.refused());
                    log(String.format(Locale.ROOT, "round %d fixed %.0f/s %-22s %7.1f us/req  p99 %6.2f ms  "
                                    + "(%.0f/s answered, %d unsent; client %.1f us/req)", round + 1, rate, variant,
                            perRequest, result.p99Millis(), result.perSecond(), result.unsent(), clientPerRequest));
                }
            }
        } finally {
            for (Deployment server : servers.values()) {
                server.close();
            }
        }
        return report;
    }

    private List<Variant> rotated(int round) {
        List<Variant> order = new ArrayList<>(variants);
        java.util.Collections.rotate(order, -round);
        return order;
    }

    /** Saturating figures of one run. */
    record Saturation(double perSecond, double p99Millis) { }

    private Saturation saturate(int port, double duration) throws IOException, InterruptedException {
        if (!useWrk) {
            LoadClient.Result result = new LoadClient(port, "/hello", 32).run(0, duration);
            return new Saturation(result.perSecond(), result.p99Millis());
        }
        Process wrk = new ProcessBuilder("wrk", "-t1", "-c32", "-d" + Math.max(1, Math.round(duration)) + "s",
                "--latency", "http://127.0.0.1:" + port + "/hello").redirectErrorStream(true).start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!wrk.waitFor(Math.round(duration) + 30, TimeUnit.SECONDS)) {
            wrk.destroyForcibly();
            throw new IOException("wrk did not finish");
        }
        Matcher rps = WRK_RPS.matcher(output);
        Matcher p99 = WRK_P99.matcher(output);
        if (!rps.find() || !p99.find()) {
            throw new IOException("could not read wrk's output:\n" + output);
        }
        double value = Double.parseDouble(p99.group(1));
        double millis = switch (p99.group(2)) {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            default -> value;
        };
        return new Saturation(Double.parseDouble(rps.group(1)), millis);
    }

    static boolean wrkInstalled() {
        try {
            Process probe = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            return probe.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException missing) {
            return false;
        }
    }

    /** CPU time of this JVM (the load client), nanoseconds. */
    private static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static void log(String line) {
        System.err.println("[bench] " + line);
    }
}
