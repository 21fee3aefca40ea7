package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A node whose clock runs {@value #SKEW_SECONDS} s ahead: two sample jars clustered on loopback, the second with its
 * wall clock shifted by a small preload library built here with the system's C compiler
 * ({@code src/test/native/realtime-offset.c}: CLOCK_REALTIME, gettimeofday and time only; libfaketime also rewrites
 * timed waits, and a JDK 17 under it spins and stops answering), both offered {@value #OFFERED}/s on one cluster-scope
 * rate of {@value #LIMIT}/s (key {@code global}). Checked: the load ran, the cluster admits at least 80 % and at most
 * limit · t plus one burst (and 2 % for the window's edges), as with true clocks, because every member reads
 * Hazelcast's cluster time; and the skewed pair is logged with its offset. The figures are printed with the prefix {@code [clock-skew]}. Skipped without a C compiler
 * (with the reason), failing when skipped under {@code CI=true}; {@code .ci/run} installs gcc.
 */
class ClockSkewIT {
    private static final String TOKEN = "clock-skew-it";
    private static final int SKEW_SECONDS = 2;
    private static final int LIMIT = 40;
    private static final int BURST = 4;
    private static final int OFFERED = 40;
    private static final Duration WARM_UP = Duration.ofSeconds(3);
    private static final Duration MEASURED = Duration.ofSeconds(20);
    private static final Pattern SKEW_LOG = Pattern.compile("clock is (\\d+) ms (ahead of|behind) the Hazelcast");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private SampleCluster cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aNodeTwoSecondsAheadDoesNotLoosenAClusterRate() throws Exception {
        Path shim = realtimeOffsetLibrary();
        if (shim == null) {
            String reason = "no C compiler (cc) to build the clock-offset library (Debian package gcc)";
            if ("true".equals(System.getenv("CI"))) {
                fail("The clock-skew test must run on CI, but cannot: " + reason);
            }
            Assumptions.abort("Clock-skew test skipped: " + reason);
        }
        cluster = SampleCluster.start(client, "clock-skew", 2, TOKEN, List.of("-Xmx256m"), node -> node == 1
                ? Map.of("LD_PRELOAD", shim.toString(), "SLUICE_REALTIME_OFFSET_MS",
                        Integer.toString(SKEW_SECONDS * 1000))
                : Map.of());
        cluster.putPolicy(0, "skew-rate", "{\"match\":{\"paths\":[\"/echo/skew/**\"]},\"key\":\"global\","
                + "\"scope\":\"cluster\",\"rate\":{\"limit\":" + LIMIT + ",\"period\":\"1s\",\"burst\":" + BURST
                + "},\"on-backend-failure\":\"local\"}");
        for (int node = 0; node < 2; node++) {
            cluster.awaitManagement(node, "/policies/skew-rate", body -> body.contains("\"live\""),
                    Duration.ofSeconds(30), "the new policy");
        }

        long from = System.currentTimeMillis() + WARM_UP.toMillis();
        long to = from + MEASURED.toMillis();
        AtomicLongArray admitted = new AtomicLongArray(2);
        AtomicLongArray offered = new AtomicLongArray(2);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            long period = 1_000_000L / OFFERED;
            for (int node = 0; node < 2; node++) {
                int target = node;
                timer.scheduleAtFixedRate(() -> offer(target, from, to, offered, admitted), 0, period,
                        TimeUnit.MICROSECONDS);
            }
            Thread.sleep(to - System.currentTimeMillis() + 11_000);
        } finally {
            timer.shutdownNow();
            timer.awaitTermination(10, TimeUnit.SECONDS);
        }

        long total = admitted.get(0) + admitted.get(1);
        double seconds = MEASURED.toMillis() / 1000.0;
        double ratio = total / (LIMIT * seconds);
        String skewLine = skewLogged();
        System.out.printf(Locale.ROOT, "[clock-skew] node 2 %d s ahead: offered %d + %d, admitted %d + %d in %.0f s; "
                + "admitted / (limit · t) = %.3f; logged: %s%n", SKEW_SECONDS, offered.get(0), offered.get(1),
                admitted.get(0), admitted.get(1), seconds, ratio, skewLine);
        // the load really ran (twice the limit, split over both nodes), and the limit, not a failure, shaped it
        assertThat(offered.get(0) + offered.get(1)).as("answers to the requests offered in the window")
                .isGreaterThanOrEqualTo((long) (0.8 * 2 * OFFERED * seconds));
        assertThat(total).as("admitted by both nodes").isGreaterThanOrEqualTo((long) (0.8 * LIMIT * seconds));
        // limit · t and one burst, plus 2 % for the window's edges: a request is counted by when it was sent, and is
        // decided a little later (measured with this test's load, no skew: 799 of 800; 2 s ahead: 804 to 807)
        assertThat(total).as("admitted by both nodes")
                .isLessThanOrEqualTo((long) (LIMIT * seconds * 1.02) + BURST);
        assertThat(skewLine).as("a node logs the skew with its offset").isNotNull();
        Matcher offset = SKEW_LOG.matcher(skewLine);
        assertThat(offset.find()).isTrue();
        assertThat(Long.parseLong(offset.group(1))).as("logged offset, ms").isBetween(1000L, 3000L);
    }

    private void offer(int node, long from, long to, AtomicLongArray offered, AtomicLongArray admitted) {
        long sent = System.currentTimeMillis();
        if (sent >= to) {
            return;
        }
        client.sendAsync(HttpRequest.newBuilder(cluster.uri(node, "/echo/skew/x")).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.discarding()).whenComplete((answer, failure) -> {
                    if (sent >= from) {
                        offered.incrementAndGet(node);
                        if (failure == null && answer.statusCode() == 200) {
                            admitted.incrementAndGet(node);
                        }
                    }
                });
    }

    /** The WARN line of whichever node found its clock off the cluster's, or null. */
    private String skewLogged() {
        for (int node = 0; node < 2; node++) {
            for (String line : cluster.node(node).output().split("\\R")) {
                if (SKEW_LOG.matcher(line).find()) {
                    return line;
                }
            }
        }
        return null;
    }

    /** Builds src/test/native/realtime-offset.c into target/, or null without a C compiler. */
    private static Path realtimeOffsetLibrary() throws IOException, InterruptedException {
        Path source = Path.of("src/test/native/realtime-offset.c").toAbsolutePath();
        Path library = Path.of("target/realtime-offset.so").toAbsolutePath();
        Process cc;
        try {
            cc = new ProcessBuilder("cc", "-shared", "-fPIC", "-O2", "-o", library.toString(), source.toString(),
                    "-ldl").redirectErrorStream(true).start();
        } catch (IOException noCompiler) {
            return null;
        }
        String output = new String(cc.getInputStream().readAllBytes());
        if (!cc.waitFor(60, TimeUnit.SECONDS)) {
            cc.destroyForcibly();
            throw new IllegalStateException("cc did not finish building " + library + " within 60 s");
        }
        if (cc.exitValue() != 0) {
            throw new IllegalStateException("cc could not build " + library + ": " + output);
        }
        return library;
    }
}
