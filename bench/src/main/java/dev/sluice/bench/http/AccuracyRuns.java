package dev.sluice.bench.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Accuracy over HTTP: servers in {@code accuracy} mode ({@link BenchServer}: a rate policy at {@value #RATE}/s, burst
 * {@value #BURST}, per client address; all load comes from 127.0.0.1, so one bucket) are driven far above the rate
 * by open-loop clients, and the requests admitted (2xx) are compared with what a token bucket allows over the same
 * time: {@code burst + rate · t}, {@code t} from the first to the last request that reached a server (noted there
 * by {@link ArrivalRecorder}). With a live change, a PATCH
 * through the management API sets the rate to {@value #RATE_AFTER}/s half way, and the allowance is
 * {@code burst + r1 · t1 + r2 · t2}, the change placed at the midpoint of the PATCH call (its duration times the rate
 * difference is the figure's uncertainty, reported too). Blocking; runs the servers it starts and stops them.
 *
 * <p>The gateway variants ({@link #runGateways}) are measured the same way, one gateway with its own backend per
 * limiter, in accuracy mode ({@link Deployment#gatewayAccuracy}): the limiter at {@value #RATE}/s, burst
 * {@value #BURST}, per client address, the arrivals noted by the gateway before its routing; no live change.
 */
final class AccuracyRuns {
    static final int RATE = 500;
    static final int BURST = 50;
    static final int RATE_AFTER = 1000;
    /** Connections per server: enough that the demand stays above the rate while the server pauses. */
    static final int CONNECTIONS = 32;
    /**
     * The offered rate of a gateway run: 3× the limit, so that the demand stays well above it while the gateway or
     * the machine pauses, yet below what one Spring Cloud Gateway serves on a 2-core machine shared with its client
     * and backend (about 1,300–2,200 requests per second saturating, see PERFORMANCE.md). Offered beyond that, the
     * requests would wait in the client's backlog and the gateway's queues, and the run would measure the gateway's
     * overload instead of its limiter; a limiter that admits everything (as {@code RedisRateLimiter} does at this
     * burst) still gets all of it through.
     */
    static final int GATEWAY_OFFERED_PER_SECOND = 1500;

    /**
     * The load before a measured run, {@code perSecond} open loop for {@code seconds} on {@code connections}: it warms
     * the path and creates the bucket; the bucket fills up again before the run, and these requests are left out.
     */
    record WarmUp(double perSecond, double seconds, int connections) {
        /** A servlet server: Jetty and the filter serve at full speed after a few requests. */
        static final WarmUp SERVLET = new WarmUp(200, 0.5, 2);
        /**
         * A gateway: cold, Spring Cloud Gateway serves a few hundred requests a second (Reactor, Netty and the route's
         * filters interpreted), below the limit, so that a limiter would see too little demand to refuse; after some
         * thousand requests at the offered rate (refused ones too, so that their path is compiled as well) it serves
         * the offered rate.
         */
        static final WarmUp GATEWAY = new WarmUp(GATEWAY_OFFERED_PER_SECOND, 5, CONNECTIONS);
    }

    /** One accuracy run's figures. */
    record Row(String label, double seconds, long offered, long admitted, double expected, double uncertainty,
            double idle, long ideal) {
        double errorPercent() {
            return 100.0 * (admitted - expected) / expected;
        }

        /** The error against the allowance less what the bucket could not hold while no request reached it. */
        double errorBesideIdlePercent() {
            return 100.0 * (admitted - (expected - idle)) / (expected - idle);
        }

        /** The error against what an exact token bucket admits of the same arrivals ({@link #idealAdmissions}). */
        double errorBesideIdealPercent() {
            return 100.0 * (admitted - ideal) / ideal;
        }
    }

    /**
     * Tokens the bucket had to drop because no request reached it for longer than it takes to fill (burst / rate):
     * for every gap {@code g} between consecutive arrivals at the servers (from {@link ArrivalRecorder}, between the
     * first and the last arrival) longer than that, {@code (g - burst/rate) · rate}. Such gaps come from pauses
     * of the client, the server or the machine (GC, scheduling), not from the limiter.
     */
    static double idleAllowance(List<long[]> arrivals, long first, long last, long change) {
        long[] all = merged(arrivals, first, last);
        double fill = (double) BURST / RATE;
        double lost = 0;
        for (int k = 1; k < all.length; k++) {
            double gap = (all[k] - all[k - 1]) / 1e9;
            if (gap > fill) {
                lost += (gap - fill) * (all[k - 1] >= change ? RATE_AFTER : RATE);
            }
        }
        return lost;
    }

    /**
     * What an exact token bucket ({@value #BURST} tokens, refilled at {@value #RATE}/s, at {@value #RATE_AFTER}/s from
     * {@code change} on; full at the first arrival) admits when every arrival at the servers asks for one token: the
     * allowance for the demand the limiter saw. Where {@link #idleAllowance} counts only silences longer than
     * burst / rate, this also counts the tokens a bucket loses while requests come slower than the rate, as they do in
     * clumps after a pause of the client, the server or the machine. Arrivals are noted a little before the limiter
     * decides, so this is a reference beside {@code burst + rate · t}, not a replacement.
     */
    static long idealAdmissions(List<long[]> arrivals, long change) {
        long[] all = merged(arrivals);
        double tokens = BURST;
        long admitted = 0;
        for (int k = 0; k < all.length; k++) {
            if (k > 0) {
                double refill = (all[k] - all[k - 1]) / 1e9 * (all[k - 1] >= change ? RATE_AFTER : RATE);
                tokens = Math.min(BURST, tokens + refill);
            }
            if (tokens >= 1) {
                tokens -= 1;
                admitted++;
            }
        }
        return admitted;
    }

    /** The arrivals of all servers and the {@code extra} times in one sorted array. */
    private static long[] merged(List<long[]> arrivals, long... extra) {
        int total = arrivals.stream().mapToInt(array -> array.length).sum();
        long[] all = new long[total + extra.length];
        int i = 0;
        for (long[] array : arrivals) {
            System.arraycopy(array, 0, all, i, array.length);
            i += array.length;
        }
        System.arraycopy(extra, 0, all, i, extra.length);
        java.util.Arrays.sort(all);
        return all;
    }

    private final Path workDir;
    private final double seconds;
    private final double offeredPerSecond;

    /**
     * @param seconds          each run's duration
     * @param offeredPerSecond the total offered rate (split across the servers of a run)
     */
    AccuracyRuns(Path workDir, double seconds, double offeredPerSecond) {
        this.workDir = workDir;
        this.seconds = seconds;
        this.offeredPerSecond = offeredPerSecond;
    }

    /** Node scope; cluster scope on 1 member; cluster scope on 3 members with load on all; the two with a PATCH. */
    List<Row> runAll(boolean smoke) throws Exception {
        List<Row> rows = new ArrayList<>();
        rows.add(run("node scope", "node", 1, false));
        if (smoke) {
            return rows;
        }
        rows.add(run("cluster scope, 1 member", "cluster", 1, false));
        rows.add(run("cluster scope, 3 members, load on all 3", "cluster", 3, false));
        rows.add(run("node scope, PATCH 500/s -> 1000/s half way", "node", 1, true));
        rows.add(run("cluster scope, 1 member, PATCH 500/s -> 1000/s half way", "cluster", 1, true));
        return rows;
    }

    /** One run per gateway variant with a limiter (all but {@link Variant#GATEWAY_NONE}) among {@code variants}. */
    List<Row> runGateways(List<Variant> variants) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (Variant variant : variants) {
            if (variant.gateway() && variant != Variant.GATEWAY_NONE) {
                rows.add(runGateway(variant));
            }
        }
        return rows;
    }

    /** One gateway variant in accuracy mode, labelled by its {@link Variant#label()}. */
    Row runGateway(Variant variant) throws Exception {
        try (Deployment deployment = Deployment.gatewayAccuracy(variant, RATE, BURST, workDir)) {
            return measure(variant.label(), deployment.serverPorts(), WarmUp.GATEWAY, false);
        }
    }

    Row run(String label, String scope, int servers, boolean patch) throws Exception {
        try (Deployment deployment = Deployment.accuracy(scope, servers, workDir)) {
            return measure(label, deployment.serverPorts(), WarmUp.SERVLET, patch);
        }
    }

    /**
     * One measured run against servers already started in accuracy mode (answering {@code GET /arrivals}, and for a
     * {@code patch} the management API): the warm-up, a wait for the bucket to fill, {@link #seconds} of open-loop
     * load split across {@code ports}, then the admitted requests against the allowance over the arrivals' window.
     */
    private Row measure(String label, List<Integer> ports, WarmUp warmUp, boolean patch) throws Exception {
        // Warm the path (and create the bucket) well before the measured run, then let the bucket fill up again.
        new LoadClient(ports.get(0), "/hello", warmUp.connections()).run(warmUp.perSecond(), warmUp.seconds());
        HttpClient management = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        if (patch) {
            // the management path warmed and the client connected, so that the PATCH itself takes little time
            for (int i = 0; i < 20; i++) {
                management(management, ports.get(0), "GET", null);
            }
        }
        Thread.sleep(Math.max(1000, 1000L * 2 * BURST / RATE) + 200);

        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        List<CompletableFuture<LoadClient.Result>> results = new ArrayList<>();
        for (int port : ports) {
            results.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return new LoadClient(port, "/hello", CONNECTIONS)
                            .run(offeredPerSecond / ports.size(), seconds, start);
                } catch (IOException failure) {
                    throw new java.io.UncheckedIOException(failure);
                }
            }, runnable -> new Thread(runnable, "accuracy-load-" + port).start()));
        }
        long patchSent = 0;
        long patchDone = 0;
        if (patch) {
            long at = start + (long) (seconds * 1e9 / 2);
            LockSupport.parkNanos(at - System.nanoTime());
            patchSent = System.nanoTime();
            management(management, ports.get(0), "PATCH", "{\"rate\":{\"limit\":" + RATE_AFTER + "}}");
            patchDone = System.nanoTime();
        }
        long admitted = 0;
        long offered = 0;
        long refused = 0;
        long errors = 0;
        long unsent = 0;
        long firstSent = Long.MAX_VALUE;
        for (CompletableFuture<LoadClient.Result> future : results) {
            LoadClient.Result result = future.get((long) seconds + 30, TimeUnit.SECONDS);
            admitted += result.ok();
            offered += result.completed();
            refused += result.refused();
            errors += result.errors();
            unsent += result.unsent();
            firstSent = Math.min(firstSent, result.firstSendNanos());
        }
        // The bucket's window: from the first to the last request that reached a server (the warm-up's left out).
        List<long[]> arrivals = new ArrayList<>();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (int port : ports) {
            long[] times = arrivals(management, port, firstSent);
            arrivals.add(times);
            // kept beside the servers' logs, to look into a figure afterwards (gaps, clumps of arrivals)
            java.nio.file.Files.write(workDir.resolve("arrivals-" + label.replaceAll("[^A-Za-z0-9]+", "-") + "-"
                    + port + ".txt"), java.util.Arrays.stream(times).mapToObj(Long::toString).toList());
            for (long time : times) {
                first = Math.min(first, time);
                last = Math.max(last, time);
            }
        }
        if (first > last) {
            throw new IOException("no request of the run reached the servers");
        }
        long change = patch ? (patchSent + patchDone) / 2 : Long.MAX_VALUE;
        double t = (last - first) / 1e9;
        double expected;
        double uncertainty = 0;
        if (patch) {
            double t1 = (change - first) / 1e9;
            expected = BURST + RATE * t1 + RATE_AFTER * (t - t1);
            uncertainty = (patchDone - patchSent) / 2e9 * (RATE_AFTER - RATE);
        } else {
            expected = BURST + RATE * t;
        }
        Row row = new Row(label, t, offered, admitted, expected, uncertainty,
                idleAllowance(arrivals, first, last, change), idealAdmissions(arrivals, change));
        LoadHarness.log(String.format(Locale.ROOT, "accuracy %-55s admitted %6d expected %8.1f error %+6.2f %% "
                + "(idle %.0f; ideal %d; refused %d, errors or in flight at the end %d, unsent %d, arrivals %d)",
                label, admitted, expected, row.errorPercent(), row.idle(), row.ideal(), refused, errors, unsent,
                arrivals.stream().mapToInt(times -> times.length).sum()));
        return row;
    }

    /** The arrival times a server noted from {@code from} on (leaving out the warm-up's). */
    private static long[] arrivals(HttpClient client, int port, long from)
            throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/arrivals")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET /arrivals answered " + response.statusCode());
        }
        return response.body().lines().mapToLong(Long::parseLong).filter(time -> time >= from).toArray();
    }

    /** A call to the accuracy policy's management resource; fails unless it answers 200. */
    private static void management(HttpClient client, int port, String method, String mergePatch)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/sluice/policies/" + BenchServer.ACCURACY_POLICY))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + BenchServer.TOKEN);
        if (mergePatch != null) {
            request.header("Content-Type", "application/merge-patch+json")
                    .method(method, HttpRequest.BodyPublishers.ofString(mergePatch));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(method + " of the accuracy policy answered " + response.statusCode() + ": "
                    + response.body());
        }
    }

    /** The rows as a table; {@code where} says how the load got to the limiters ("over HTTP", ...). */
    static String table(String where, List<Row> rows) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nAccuracy: rate %d/s, burst %d, per client address, %s, "
                + "offered far above the rate; expected = burst + rate·t, t from the first to the last request that "
                + "reached a server%n", RATE, BURST, where));
        out.append("idle = tokens the bucket had to drop while no request reached the server for > burst/rate (pauses "
                + "of client, server or machine; from the arrival times the server noted); error beside idle = "
                + "against expected - idle\n");
        out.append("ideal = what an exact token bucket admits of the same arrival times (also counts demand below the "
                + "rate, e.g. clumps of arrivals after a pause); error beside ideal = against it\n");
        out.append(String.format(Locale.ROOT, "| %-58s | %6s | %8s | %8s | %10s | %8s | %6s | %13s | %8s | %14s |%n",
                "run", "t s", "answered", "admitted", "expected", "error", "idle", "error b. idle", "ideal",
                "error b. ideal"));
        out.append("|").append("-".repeat(60)).append("|").append("-".repeat(8)).append("|").append("-".repeat(10))
                .append("|").append("-".repeat(10)).append("|").append("-".repeat(12)).append("|")
                .append("-".repeat(10)).append("|").append("-".repeat(8)).append("|").append("-".repeat(15))
                .append("|").append("-".repeat(10)).append("|").append("-".repeat(16)).append("|\n");
        for (Row row : rows) {
            out.append(String.format(Locale.ROOT,
                    "| %-58s | %6.2f | %8d | %8d | %10s | %+7.2f%% | %6.0f | %+12.2f%% | %8d | %+13.2f%% |%n",
                    row.label(), row.seconds(), row.offered(), row.admitted(), row.uncertainty() > 0
                            ? String.format(Locale.ROOT, "%.0f±%.0f", row.expected(), row.uncertainty())
                            : String.format(Locale.ROOT, "%.1f", row.expected()), row.errorPercent(), row.idle(),
                    row.errorBesideIdlePercent(), row.ideal(), row.errorBesideIdealPercent()));
        }
        return out.toString();
    }
}
