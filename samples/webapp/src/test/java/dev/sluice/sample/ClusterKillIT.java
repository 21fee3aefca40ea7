package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three sample jars clustered on loopback (one embedded Hazelcast member each) under load on the cluster-scope
 * policy {@code shared-concurrency} (2 permits across the cluster); one is killed with SIGKILL mid-run. The
 * survivors never run more than 2 requests at once, keep serving, and end with no permit in use and no one queued.
 */
class ClusterKillIT {
    private static final String TOKEN = "cluster-kill-it";
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<ServerProcess> nodes = new ArrayList<>();
    private final List<URI> uris = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (ServerProcess node : nodes) {
            node.close();
        }
    }

    /** One answered request: which node, whether admitted, and when the application ran it (epoch µs). */
    private record Call(int node, int status, long started, long finished, long sentMillis) { }

    @Test
    void aKilledNodeLeaksNoPermitAndTheOthersKeepTheCount() throws Exception {
        int[] hzPorts = {ServerProcess.freePort(), ServerProcess.freePort(), ServerProcess.freePort()};
        String members = "127.0.0.1:" + hzPorts[0] + ",127.0.0.1:" + hzPorts[1] + ",127.0.0.1:" + hzPorts[2];
        for (int i = 0; i < 3; i++) {
            Path work = Deployments.workDirectory("cluster-" + i + "-");
            int port = ServerProcess.freePort();
            nodes.add(ServerProcess.start("node " + i, List.of(ServerProcess.java(), "-Xmx384m",
                    "-Djava.io.tmpdir=" + work.toAbsolutePath(), "-jar", Deployments.jar().toString()), work,
                    Map.of("PORT", Integer.toString(port), "HOST", "127.0.0.1", "SLUICE_TOKEN", TOKEN,
                            "SLUICE_HZ_PORT", Integer.toString(hzPorts[i]), "SLUICE_MEMBERS", members),
                    work.resolve("node.log")));
            uris.add(URI.create("http://127.0.0.1:" + port));
        }
        for (int i = 0; i < 3; i++) {
            nodes.get(i).awaitReady(client, uris.get(i).resolve("/echo/ready"));
        }
        awaitMembers(0, 3);

        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean killed = new AtomicBoolean();
        AtomicInteger next = new AtomicInteger();
        ExecutorService load = Executors.newFixedThreadPool(10);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < 10; t++) {
            workers.add(load.submit(() -> {
                while (running.get()) {
                    int node = Math.floorMod(next.getAndIncrement(), killed.get() ? 2 : 3);
                    long sent = System.currentTimeMillis();
                    try {
                        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(uris.get(node)
                                .resolve("/shared/job?ms=200")).timeout(Duration.ofSeconds(30)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        calls.add(new Call(node, answer.statusCode(),
                                answer.headers().firstValueAsLong("X-Echo-Started").orElse(0),
                                answer.headers().firstValueAsLong("X-Echo-Finished").orElse(0), sent));
                    } catch (java.io.IOException nodeGone) {
                        calls.add(new Call(node, -1, 0, 0, sent));
                    }
                }
                return null;
            }));
        }
        Thread.sleep(3000);
        long killedAt = System.currentTimeMillis();
        killed.set(true);
        nodes.get(2).kill();
        Thread.sleep(6000);
        running.set(false);
        for (Future<?> worker : workers) {
            worker.get(60, TimeUnit.SECONDS);
        }
        load.shutdown();

        List<Call> admitted = calls.stream().filter(call -> call.status() == 200).toList();
        System.out.printf("[cluster-kill] %d requests: %d admitted, %d refused (503), %d failed with the killed node; "
                + "max concurrency %d; survivors admitted %d after the kill%n", calls.size(), admitted.size(),
                calls.stream().filter(call -> call.status() == 503).count(),
                calls.stream().filter(call -> call.status() == -1).count(), maxOverlap(admitted),
                admitted.stream().filter(call -> call.node() < 2 && call.sentMillis() > killedAt).count());
        assertThat(maxOverlap(admitted)).as("requests running at once across the cluster").isLessThanOrEqualTo(2);
        List<Call> survivorsLate = admitted.stream()
                .filter(call -> call.node() < 2 && call.sentMillis() > killedAt + 3000).toList();
        assertThat(survivorsLate).as("the survivors keep serving after the kill").isNotEmpty();
        assertThat(calls.stream().filter(call -> call.node() < 2 && call.status() >= 500 && call.status() != 503))
                .as("no server error from the survivors").isEmpty();

        awaitKeyState(0, "\"permits-in-use\":0");
        awaitKeyState(1, "\"queued\":0");
    }

    private void awaitMembers(int node, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String body = "";
        while (System.nanoTime() < deadline) {
            body = client.send(HttpRequest.newBuilder(uris.get(node).resolve("/sluice/health"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher members = Pattern.compile("\"members\":(\\d+)").matcher(body);
            if (members.find() && Integer.parseInt(members.group(1)) == count) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the cluster did not reach " + count + " members: " + body);
    }

    /** Waits (bounded: longer than the policy's 10 s lease) for the cluster-wide key state to show {@code expected}. */
    private void awaitKeyState(int node, String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String body = "";
        while (System.nanoTime() < deadline) {
            body = client.send(HttpRequest.newBuilder(uris.get(node).resolve("/sluice/policies/shared-concurrency/keys/*"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
            if (body.contains(expected)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("key state never showed " + expected + ": " + body);
    }

    /** The largest number of [started, finished] intervals that overlap at one instant. */
    private static int maxOverlap(List<Call> calls) {
        List<long[]> events = new ArrayList<>();
        for (Call call : calls) {
            events.add(new long[] {call.started(), 1});
            events.add(new long[] {call.finished(), -1});
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
