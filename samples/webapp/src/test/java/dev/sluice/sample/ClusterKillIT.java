package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Member death: three sample jars clustered on loopback (one embedded Hazelcast member each) under concurrent load
 * on the cluster-scope concurrency + queue policy {@code shared-concurrency} (2 permits across the cluster, a queue of
 * 20 for at most 10 s), its lease shortened live to {@value #LEASE_SECONDS} s; one node is killed with SIGKILL
 * mid-run, once it holds a permit and has a request waiting (its requests run longer, so that what it holds is still
 * held when it dies).
 *
 * <p>Checked: the survivors never run more than 2 requests at once (the largest overlap of the application's own
 * start/finish times, {@code X-Echo-Started}/{@code X-Echo-Finished}); their only refusals during the storm are the
 * queue's own, caused by the storm being larger than permits + depth (never a queue timeout); once the lease time has
 * passed after the kill, a calm load that never exceeds the permits is never refused (a permit leaked by the dead node
 * would refuse or stall it); and at the end, through the management API of every survivor, no permit is in use and no
 * one is queued. The figures are printed with the prefix {@code [member-death]}.
 */
class ClusterKillIT {
    private static final String TOKEN = "cluster-kill-it";
    private static final String POLICY = "shared-concurrency";
    private static final int PERMITS = 2;
    private static final int QUEUE_DEPTH = 20;
    private static final long LEASE_SECONDS = 4;
    /** More clients than permits + queue depth: the storm makes the queue refuse some of them (real load). */
    private static final int STORM_CLIENTS = PERMITS + QUEUE_DEPTH + 4;
    private static final int JOB_MILLIS = 200;
    /** The node that is killed runs longer jobs, so that the permits it holds are surely still held at the kill. */
    private static final int VICTIM_JOB_MILLIS = 1500;
    private static final Pattern REASON = Pattern.compile("\"reason\":\"([a-z-]+)\"");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private SampleCluster cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * One answered request: which node, its status (-1: the connection failed), the refusal reason, when the
     * application ran it (epoch µs, 0 when refused) and when the client sent it and had the answer (epoch ms).
     */
    private record Call(int node, int status, String reason, long started, long finished, long sent, long answered) {
        boolean admitted() {
            return status == 200;
        }
    }

    @Test
    void aKilledNodeLeaksNoPermitAndTheOthersKeepTheCount() throws Exception {
        cluster = SampleCluster.start(client, "member-death", 3, TOKEN, List.of("-Xmx384m"));
        assertThat(cluster.management(0, "/policies/" + POLICY).path("definition").path("concurrency")
                .path("permits").asLong()).isEqualTo(PERMITS);
        cluster.patchPolicy(0, POLICY, "{\"concurrency\":{\"lease\":\"" + LEASE_SECONDS + "s\"}}");
        for (int node = 0; node < 3; node++) {
            cluster.awaitManagement(node, "/policies/" + POLICY,
                    body -> body.contains("\"lease\":\"" + LEASE_SECONDS + "s\""), Duration.ofSeconds(20),
                    "the shortened lease");
        }

        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean killed = new AtomicBoolean();
        AtomicInteger next = new AtomicInteger();
        IntUnaryOperator anyLiveNode = id -> Math.floorMod(next.getAndIncrement(), killed.get() ? 2 : 3);
        Load storm = Load.start(STORM_CLIENTS, anyLiveNode, calls, this::call);
        Thread.sleep(3000);
        String victim = cluster.awaitManagement(2, "/policies/" + POLICY, body -> figure(body, "permits-in-use") > 0
                && figure(body, "queued") > 0, Duration.ofSeconds(20), "a permit held and a request queued");
        long killedAt = System.currentTimeMillis();
        killed.set(true);
        cluster.kill(2);
        cluster.awaitMembers(0, 2);
        long departureSeen = System.currentTimeMillis() - killedAt;
        Thread.sleep(Math.max(0, killedAt + TimeUnit.SECONDS.toMillis(LEASE_SECONDS) + 1000
                - System.currentTimeMillis()));
        storm.stop();

        long calmFrom = System.currentTimeMillis();
        Load calm = Load.start(PERMITS, id -> id % 2, calls, this::call);
        Thread.sleep(3000);
        calm.stop();

        long drainFrom = System.currentTimeMillis();
        for (int node = 0; node < 2; node++) {
            cluster.awaitManagement(node, "/policies/" + POLICY + "/keys/*",
                    body -> body.contains("\"permits-in-use\":0") && body.contains("\"queued\":0"),
                    Duration.ofSeconds(30), "no permit in use and no one queued");
        }
        long drained = System.currentTimeMillis() - drainFrom;
        List<JsonNode> live = new ArrayList<>();
        for (int node = 0; node < 2; node++) {
            live.add(cluster.management(node, "/policies/" + POLICY).path("live"));
        }

        List<Call> admitted = calls.stream().filter(Call::admitted).toList();
        List<Call> survivors = calls.stream().filter(call -> call.node() < 2).toList();
        List<Call> calmCalls = calls.stream().filter(call -> call.sent() >= calmFrom).toList();
        long recoveryMicros = firstFullUse(survivors.stream().filter(Call::admitted).toList(), killedAt * 1000);
        long recoveryMillis = recoveryMicros < 0 ? -1 : recoveryMicros / 1000;
        System.out.printf("[member-death] %d requests on 3 nodes (%d admitted, %d refused %s, %d lost with the "
                        + "killed node, which held %d permits and had %d requests waiting just before the kill); the "
                        + "survivors saw the member leave %d ms after the kill; max concurrency %d overall, %d on the "
                        + "survivors (permits %d); full use of the permits again %d ms after the kill (lease %d s); "
                        + "calm phase after kill + lease: %d requests, %d refused, longest answer %d ms; permits in "
                        + "use 0 and queue empty %d ms after the load; survivors' live figures %s%n",
                calls.size(), admitted.size(), count(calls, 503), reasons(calls), count(calls, -1),
                figure(victim, "permits-in-use"), figure(victim, "queued"), departureSeen,
                maxOverlap(admitted), maxOverlap(survivors.stream().filter(Call::admitted).toList()), PERMITS,
                recoveryMillis, LEASE_SECONDS, calmCalls.size(), calmCalls.stream().filter(c -> !c.admitted()).count(),
                calmCalls.stream().mapToLong(c -> c.answered() - c.sent()).max().orElse(0), drained, live);

        assertThat(maxOverlap(admitted)).as("requests running at once across the cluster").isLessThanOrEqualTo(PERMITS);
        assertThat(survivors.stream().filter(call -> call.status() != 200 && call.status() != 503))
                .as("the survivors answer every request, admitted or refused by the policy").isEmpty();
        assertThat(survivors.stream().filter(call -> call.status() == 503))
                .as("refusals by the survivors: only a full queue (the storm is larger than permits + depth)")
                .allMatch(call -> call.reason().equals("queue-full"));
        assertThat(survivors.stream().filter(call -> call.admitted() && call.sent() > killedAt + 3000))
                .as("the survivors keep serving after the kill").isNotEmpty();
        assertThat(calmCalls).as("calm requests after kill + lease").isNotEmpty()
                .allMatch(Call::admitted, "admitted: no permit is leaked past the lease time");
        for (JsonNode figures : live) {
            assertThat(figures.path("permits-in-use").asLong()).as("permits in use on a survivor").isZero();
            assertThat(figures.path("queued").asLong()).as("queued on a survivor").isZero();
        }
    }

    private static long figure(String body, String name) {
        Matcher figure = Pattern.compile("\"" + name + "\":(\\d+)").matcher(body);
        return figure.find() ? Long.parseLong(figure.group(1)) : -1;
    }

    private Call call(int node) {
        long sent = System.currentTimeMillis();
        long job = node == 2 ? VICTIM_JOB_MILLIS : JOB_MILLIS;
        try {
            HttpResponse<String> answer = client.send(HttpRequest.newBuilder(cluster.uri(node, "/shared/job?ms="
                    + job)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            Matcher reason = REASON.matcher(answer.statusCode() == 200 ? "" : answer.body());
            return new Call(node, answer.statusCode(), reason.find() ? reason.group(1) : "",
                    answer.headers().firstValueAsLong("X-Echo-Started").orElse(0),
                    answer.headers().firstValueAsLong("X-Echo-Finished").orElse(0), sent, System.currentTimeMillis());
        } catch (IOException nodeGone) {
            return new Call(node, -1, "", 0, 0, sent, System.currentTimeMillis());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return new Call(node, -1, "", 0, 0, sent, System.currentTimeMillis());
        }
    }

    /** Clients that each send one request after the other (a short pause after a refusal) until stopped. */
    private record Load(ExecutorService threads, List<Future<?>> clients, AtomicBoolean running) {
        interface Caller {
            Call call(int node);
        }

        static Load start(int clients, IntUnaryOperator nodeOf, List<Call> calls, Caller caller) {
            ExecutorService threads = Executors.newFixedThreadPool(clients);
            AtomicBoolean running = new AtomicBoolean(true);
            List<Future<?>> started = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                started.add(threads.submit(() -> {
                    while (running.get()) {
                        Call call = caller.call(nodeOf.applyAsInt(id));
                        calls.add(call);
                        if (!call.admitted()) {
                            Thread.sleep(50);
                        }
                    }
                    return null;
                }));
            }
            return new Load(threads, started, running);
        }

        /** Stops sending and waits (at most 60 s per client) for the answers still due. */
        void stop() throws Exception {
            running.set(false);
            for (Future<?> client : clients) {
                client.get(60, TimeUnit.SECONDS);
            }
            threads.shutdown();
        }
    }

    private static long count(List<Call> calls, int status) {
        return calls.stream().filter(call -> call.status() == status).count();
    }

    private static String reasons(List<Call> calls) {
        return calls.stream().filter(call -> call.status() == 503).collect(java.util.stream.Collectors.groupingBy(
                Call::reason, java.util.TreeMap::new, java.util.stream.Collectors.counting())).toString();
    }

    /** Interval events ([started, +1], [finished, -1]), a finish sorting before a start at the same instant. */
    private static List<long[]> events(List<Call> calls) {
        List<long[]> events = new ArrayList<>();
        for (Call call : calls) {
            events.add(new long[] {call.started(), 1});
            events.add(new long[] {call.finished(), -1});
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        return events;
    }

    /** The largest number of [started, finished] intervals that overlap at one instant. */
    private static int maxOverlap(List<Call> calls) {
        int now = 0;
        int max = 0;
        for (long[] event : events(calls)) {
            now += (int) event[1];
            max = Math.max(max, now);
        }
        return max;
    }

    /** µs from {@code fromMicros} until {@value #PERMITS} of {@code calls} first ran at once; -1 if they never did. */
    private static long firstFullUse(List<Call> calls, long fromMicros) {
        int now = 0;
        for (long[] event : events(calls)) {
            now += (int) event[1];
            if (now >= PERMITS && event[0] >= fromMicros) {
                return event[0] - fromMicros;
            }
        }
        return -1;
    }
}
