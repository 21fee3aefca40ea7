package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Soak: a bounded mixed load on two clustered sample jars, for {@code -Dsluice.soak.seconds} seconds (default
 * {@value #DEFAULT_SECONDS}): rate limits per client address and per API key (429s), a missing key (400), the node
 * concurrency + queue policy {@code work-concurrency}, the cluster concurrency + queue policy
 * {@code shared-concurrency}, a shadow policy, the unlimited baseline; bursts larger than a policy's permits and
 * queue (or rate burst) together; and clients that give up: a raw socket closed mid-wait or mid-request (sometimes
 * with a reset).
 *
 * <p>Two real JVMs rather than the filter in the test's JVM: this is the deployment shape users run (a WAR in a
 * container with an embedded member per node), a waiter on one node is granted by a release on the other, and each
 * node's memory is its own process's, measured after a full GC with {@code jcmd}. Two nodes, not three, keep the
 * load generator and the servers within a small (two-core) CI machine; member loss is ClusterKillIT's.
 *
 * <p>Checked at the end, through the management API of every node: every policy has no permit in use and no one
 * queued, and the cluster semaphore's key shows the same. During the run: every answer is one the policies explain
 * (200, or a 400, 429 or 503 carrying a policy's problem body), never another 5xx or a failed exchange; at most 2
 * requests run at once on /shared/** across the cluster and on /work/** per node. Each node's heap after a full GC
 * grows by less than {@value #HEAP_GROWTH_BOUND_MB} MB between the warm-up and the end. The figures are printed with
 * the prefix {@code [soak]}.
 */
class SoakIT {
    static final long DEFAULT_SECONDS = 120;
    static final long HEAP_GROWTH_BOUND_MB = 48;
    private static final String TOKEN = "soak-it";
    private static final int NODES = 2;
    private static final int CLIENTS = 12;
    /** Requests in one burst: more than permits (2) + queue depth (20), and more than api-quota's burst (10). */
    private static final int BURST = 26;
    private static final List<String> POLICIES = List.of("hello-rate", "api-quota", "work-concurrency",
            "reports-shadow", "shared-concurrency");
    private static final Pattern REFUSAL = Pattern.compile("\"reason\":\"([a-z-]+)\".*\"policy\":\"([a-z-]+)\"|"
            + "\"policy\":\"([a-z-]+)\".*\"reason\":\"([a-z-]+)\"", Pattern.DOTALL);

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private SampleCluster cluster;

    /** What the load saw; every field is safe to update from the load's threads. */
    private static final class Tally {
        final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        final List<String> unexplained = Collections.synchronizedList(new ArrayList<>());
        final List<long[]> shared = Collections.synchronizedList(new ArrayList<>());
        final List<List<long[]>> work = List.of(Collections.synchronizedList(new ArrayList<>()),
                Collections.synchronizedList(new ArrayList<>()));
        final LongAdder requests = new LongAdder();
        final LongAdder aborts = new LongAdder();

        void count(String outcome) {
            outcomes.computeIfAbsent(outcome, name -> new LongAdder()).increment();
        }

        void unexplained(String what) {
            if (unexplained.size() < 50) {
                unexplained.add(what);
            }
            count("unexplained");
        }

        Map<String, Long> outcomes() {
            Map<String, Long> sorted = new TreeMap<>();
            outcomes.forEach((name, adder) -> sorted.put(name, adder.sum()));
            return sorted;
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aMixedLoadWithAbortsEndsWithNoPermitHeldNoOneQueuedAndBoundedMemory() throws Exception {
        long seconds = Long.getLong("sluice.soak.seconds", DEFAULT_SECONDS);
        assertThat(seconds).as("sluice.soak.seconds").isBetween(10L, 3600L);
        cluster = SampleCluster.start(client, "soak", NODES, TOKEN, List.of("-Xmx256m"));
        Tally tally = new Tally();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService threads = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            SplittableRandom random = new SplittableRandom(1000 + c);
            clients.add(threads.submit(() -> {
                while (running.get()) {
                    oneStep(random, tally);
                    Thread.sleep(random.nextInt(15));
                }
                return null;
            }));
        }
        long warmUpMillis = Math.min(15_000, seconds * 1000 / 4);
        Thread.sleep(warmUpMillis);
        long[] heapBefore = new long[NODES];
        for (int node = 0; node < NODES; node++) {
            heapBefore[node] = cluster.heapAfterGc(node);
        }
        Thread.sleep(seconds * 1000 - warmUpMillis);
        running.set(false);
        for (Future<?> one : clients) {
            one.get(60, TimeUnit.SECONDS);
        }
        threads.shutdown();

        long drainFrom = System.currentTimeMillis();
        for (int node = 0; node < NODES; node++) {
            cluster.awaitManagement(node, "/policies", SoakIT::nothingHeldOrQueued, Duration.ofSeconds(30),
                    "every policy with no permit in use and no one queued");
            for (String policy : List.of("shared-concurrency", "work-concurrency")) {
                cluster.awaitManagement(node, "/policies/" + policy + "/keys/*",
                        body -> body.contains("\"permits-in-use\":0") && body.contains("\"queued\":0"),
                        Duration.ofSeconds(30), policy + "'s key with no permit in use and no one queued");
            }
        }
        long drained = System.currentTimeMillis() - drainFrom;
        long[] heapAfter = new long[NODES];
        List<String> memory = new ArrayList<>();
        for (int node = 0; node < NODES; node++) {
            heapAfter[node] = cluster.heapAfterGc(node);
            memory.add(String.format("node %d heap after GC %d -> %d MB, RSS %s", node, heapBefore[node] >> 20,
                    heapAfter[node] >> 20, residentSet(cluster.node(node).pid())));
        }
        Map<String, Long> admitted = new TreeMap<>();
        Map<String, Long> refused = new TreeMap<>();
        for (int node = 0; node < NODES; node++) {
            for (JsonNode policy : cluster.management(node, "/policies").path("policies")) {
                String name = policy.path("name").asString();
                admitted.merge(name, policy.path("live").path("admitted").asLong(), Long::sum);
                refused.merge(name, policy.path("live").path("refused").asLong(), Long::sum);
            }
        }
        int sharedMax = maxOverlap(tally.shared);
        int workMax = Math.max(maxOverlap(tally.work.get(0)), maxOverlap(tally.work.get(1)));
        System.out.printf("[soak] %d s on %d clustered nodes, %d clients: %d requests + %d aborted by the client; "
                        + "outcomes %s; per policy (both nodes) admitted %s, refused %s; max concurrency /shared %d "
                        + "(cluster, permits 2), /work %d (per node, permits 2); every permit free and every queue "
                        + "empty %d ms after the load; %s%n", seconds, NODES, CLIENTS, tally.requests.sum(),
                tally.aborts.sum(), tally.outcomes(), admitted, refused, sharedMax, workMax, drained, memory);

        assertThat(tally.unexplained).as("answers no policy explains (another 5xx, a failed exchange, ...)").isEmpty();
        assertThat(tally.outcomes()).as("the load reached every kind of answer")
                .containsKeys("200", "400 bad-key api-quota", "429 rate api-quota", "429 rate hello-rate",
                        "503 queue-full shared-concurrency", "503 queue-full work-concurrency");
        assertThat(sharedMax).as("requests running at once on /shared/** across the cluster").isLessThanOrEqualTo(2);
        assertThat(workMax).as("requests running at once on /work/** on one node").isLessThanOrEqualTo(2);
        for (int node = 0; node < NODES; node++) {
            assertThat(heapAfter[node] - heapBefore[node]).as("heap growth of node " + node + " (bytes)")
                    .isLessThan(HEAP_GROWTH_BOUND_MB << 20);
        }
    }

    /**
     * One request chosen at random; or a client that gives up (8 %); or a burst of {@value #BURST} requests at once
     * to a concurrency policy (more than its permits and queue hold) or with one API key (more than its rate's
     * burst) (2 %). Never throws for what the server does.
     */
    private void oneStep(SplittableRandom random, Tally tally) throws InterruptedException {
        int node = random.nextInt(NODES);
        int pick = random.nextInt(100);
        if (pick < 8) {
            abort(random, node, tally);
            return;
        }
        if (pick < 10) {
            String[] targets = {"/shared/job?ms=40", "/work/job?ms=40", "/api/items"};
            String path = targets[random.nextInt(targets.length)];
            String apiKey = path.startsWith("/api/") ? "burst-" + random.nextInt(3) : null;
            List<CompletableFuture<Void>> burst = new ArrayList<>();
            for (int i = 0; i < BURST; i++) {
                burst.add(send(node, path, apiKey, tally));
            }
            try {
                CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException failed) {
                tally.unexplained("a burst to " + path + " on node " + node + " did not complete: " + failed);
            }
            return;
        }
        String path;
        String apiKey = null;
        if (pick < 33) {
            path = "/shared/job?ms=" + (20 + random.nextInt(130));
        } else if (pick < 55) {
            path = "/work/job?ms=" + (20 + random.nextInt(130));
        } else if (pick < 75) {
            path = "/api/items";
            apiKey = random.nextInt(20) == 0 ? null : "key-" + random.nextInt(8);
        } else if (pick < 83) {
            path = "/hello";
        } else if (pick < 93) {
            path = "/reports/daily";
        } else {
            path = "/echo/baseline";
        }
        try {
            send(node, path, apiKey, tally).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException failed) {
            tally.unexplained("GET " + path + " on node " + node + " did not complete: " + failed);
        }
    }

    /** Sends one request and records its outcome in {@code tally}; the stage completes once it is recorded. */
    private CompletableFuture<Void> send(int node, String path, String apiKey, Tally tally) {
        HttpRequest.Builder request = HttpRequest.newBuilder(cluster.uri(node, path)).timeout(Duration.ofSeconds(30));
        if (apiKey != null) {
            request.header("X-Api-Key", apiKey);
        }
        tally.requests.increment();
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).handle((answer, failure) -> {
            if (failure != null) {
                tally.unexplained("GET " + path + " on node " + node + " failed: " + failure);
            } else {
                record(node, path, answer, tally);
            }
            return null;
        });
    }

    private static void record(int node, String path, HttpResponse<String> answer, Tally tally) {
        int status = answer.statusCode();
        if (status == 200) {
            tally.count("200");
            long started = answer.headers().firstValueAsLong("X-Echo-Started").orElse(0);
            long finished = answer.headers().firstValueAsLong("X-Echo-Finished").orElse(0);
            if (path.startsWith("/shared/")) {
                tally.shared.add(new long[] {started, finished});
            } else if (path.startsWith("/work/")) {
                tally.work.get(node).add(new long[] {started, finished});
            }
        } else if (status == 400 || status == 429 || status == 503) {
            Matcher refusal = REFUSAL.matcher(answer.body());
            if (!refusal.find()) {
                tally.unexplained(status + " without a policy's problem body for GET " + path + ": "
                        + answer.body());
                return;
            }
            String reason = refusal.group(1) != null ? refusal.group(1) : refusal.group(4);
            String policy = refusal.group(2) != null ? refusal.group(2) : refusal.group(3);
            tally.count(status + " " + reason + " " + policy);
        } else {
            tally.unexplained(status + " for GET " + path + " on node " + node + ": " + answer.body());
        }
    }

    /**
     * A client that gives up: sends a long request on a raw socket (to a concurrency policy, so that it is running or
     * waiting) and closes the socket after 0 to 400 ms, with a reset one time in three.
     */
    private void abort(SplittableRandom random, int node, Tally tally) throws InterruptedException {
        URI target = cluster.uri(node, random.nextBoolean() ? "/shared/job?ms=300" : "/work/job?ms=300");
        tally.aborts.increment();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", target.getPort()), 5_000);
            if (random.nextInt(3) == 0) {
                socket.setSoLinger(true, 0);
            }
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + target.getRawPath() + "?" + target.getRawQuery() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(random.nextInt(400));
        } catch (IOException failed) {
            tally.unexplained("an aborting client could not even send to node " + node + ": " + failed);
        }
    }

    private static boolean nothingHeldOrQueued(String body) {
        JsonNode policies;
        try {
            policies = tools.jackson.databind.json.JsonMapper.builder().build().readTree(body).path("policies");
        } catch (RuntimeException notJson) {
            return false;
        }
        int seen = 0;
        for (JsonNode policy : policies) {
            JsonNode live = policy.path("live");
            if (live.path("permits-in-use").asLong(-1) != 0 || live.path("queued").asLong(-1) != 0) {
                return false;
            }
            seen++;
        }
        return seen == POLICIES.size();
    }

    private static String residentSet(long pid) {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        try {
            return Files.readAllLines(status).stream().filter(line -> line.startsWith("VmRSS:"))
                    .map(line -> line.substring("VmRSS:".length()).strip()).findFirst().orElse("unknown");
        } catch (IOException notLinux) {
            return "unknown";
        }
    }

    /** The largest number of [started, finished] intervals (epoch µs) that overlap at one instant. */
    private static int maxOverlap(List<long[]> intervals) {
        List<long[]> events = new ArrayList<>();
        synchronized (intervals) {
            for (long[] interval : intervals) {
                events.add(new long[] {interval[0], 1});
                events.add(new long[] {interval[1], -1});
            }
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int max = 0;
        for (long[] event : events) {
            now += (int) event[1];
            max = Math.max(max, now);
        }
        return max;
    }
}
