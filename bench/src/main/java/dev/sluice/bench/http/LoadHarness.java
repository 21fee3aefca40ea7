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
 * The HTTP load harness: every variant of {@link BenchServer} in its own JVM, measured side by side in one run, in
 * interleaved rounds (A B C, B C A, ...), as ratios to the no-filter baseline of the same run.
 *
 * <ul>
 *   <li><b>Saturating</b>: {@code wrk} (or, without it, the built-in closed-loop client) drives each server as hard
 *       as it goes; median requests per second and p99 over the rounds.</li>
 *   <li><b>Fixed rate</b>: the built-in open-loop client offers 60 % of the baseline's saturating rate to every
 *       variant; server CPU microseconds per request (from the OS's CPU accounting of the server process) and p99 at
 *       equal throughput. On a 2-core machine this is the steadier figure.</li>
 * </ul>
 *
 * <p>Usage: {@code LoadHarness [--variants NONE,JETTY_DOS,...] [--rounds 3] [--seconds 6] [--no-wrk]}
 */
public final class LoadHarness {
    private static final Pattern WRK_RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern WRK_P99 = Pattern.compile("\\s99%\\s+([0-9.]+)(us|ms|s)");

    private final List<Variant> variants;
    private final int rounds;
    private final double seconds;
    private final boolean useWrk;
    private final Path workDir;

    LoadHarness(List<Variant> variants, int rounds, double seconds, boolean useWrk, Path workDir) {
        this.variants = variants;
        this.rounds = rounds;
        this.seconds = seconds;
        this.useWrk = useWrk;
        this.workDir = workDir;
    }

    public static void main(String[] args) throws Exception {
        List<Variant> variants = new ArrayList<>(Arrays.asList(Variant.values()));
        int rounds = 3;
        double seconds = 6;
        boolean wrk = wrkInstalled();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--variants" -> {
                    variants.clear();
                    for (String name : args[++i].split(",")) {
                        variants.add(Variant.valueOf(name.trim().toUpperCase(Locale.ROOT)));
                    }
                }
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--no-wrk" -> wrk = false;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: [--variants A,B] [--rounds N] [--seconds S] [--no-wrk]");
            }
        }
        if (!variants.contains(Variant.NONE)) {
            variants.add(0, Variant.NONE);
        }
        Path work = Files.createTempDirectory("sluice-bench");
        Report report = new LoadHarness(variants, rounds, seconds, wrk, work).run();
        System.out.println(report.table());
    }

    /** Runs every round and returns the figures. */
    Report run() throws Exception {
        Map<Variant, ServerProcess> servers = new LinkedHashMap<>();
        Report report = new Report(variants, useWrk);
        try {
            for (Variant variant : variants) {
                servers.put(variant, ServerProcess.start(BenchServer.class.getName(), List.of(variant.name()),
                        workDir.resolve(variant.name() + ".log")));
            }
            log("servers up: " + servers.keySet());
            for (Variant variant : variants) {
                saturate(servers.get(variant).port(), Math.min(5, seconds));
            }
            for (int round = 0; round < rounds; round++) {
                for (Variant variant : rotated(round)) {
                    Saturation result = saturate(servers.get(variant).port(), seconds);
                    report.saturated(variant, result);
                    log(String.format(Locale.ROOT, "round %d saturating %-20s %9.0f req/s  p99 %6.2f ms", round + 1,
                            variant, result.perSecond, result.p99Millis));
                }
            }
            double rate = 0.6 * report.medianPerSecond(Variant.NONE);
            report.offeredRate(rate);
            for (int round = 0; round < rounds; round++) {
                for (Variant variant : rotated(round)) {
                    ServerProcess server = servers.get(variant);
                    long cpuBefore = server.cpuNanos();
                    LoadClient.Result result = new LoadClient(server.port(), "/hello", 16).run(rate, seconds);
                    long cpu = server.cpuNanos() - cpuBefore;
                    report.fixed(variant, cpu / 1000.0 / Math.max(1, result.completed()), result.p99Millis(),
                            result.perSecond(), result.errors());
                    log(String.format(Locale.ROOT, "round %d fixed %.0f/s    %-20s %7.1f us/req  p99 %6.2f ms",
                            round + 1, rate, variant, cpu / 1000.0 / Math.max(1, result.completed()),
                            result.p99Millis()));
                }
            }
        } finally {
            for (ServerProcess server : servers.values()) {
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

    private static void log(String line) {
        System.err.println("[bench] " + line);
    }
}
