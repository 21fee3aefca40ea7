package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sluice.core.testkit.Ports;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A network split, as a user meets it: three sample jars, each in a network namespace of its own on one bridge
 * ({@link TestNetwork}), every node loaded by a client inside its own namespace ({@link NamespaceAgent}) with a
 * cluster-scope rate ({@value #RATE}/s, key {@code global}, burst {@value #BURST}: each node is offered the whole
 * limit) and closed-loop clients on a cluster-scope concurrency policy ({@value #PERMITS} permits). Node 3's link is
 * cut for longer than failure detection, then restored. During the split a policy is written on each side.
 *
 * <p>Checked: while split, the cluster admits at most limit · t · (1 + 1/n) (the majority its full limit, the cut-off
 * node its local share), and runs at most permits · (1 + 1/n) requests at once; the cut-off node keeps every policy
 * (node scope included) live; the write on the cut-off node is refused with 503 and the majority's write is kept;
 * within 30 s of the merge every node's live policies equal the store's, and the cluster is back to its limit. The
 * figures are printed with the prefix {@code [partition]}. The nodes' cluster calls get the time limit of
 * {@link SampleCluster#CLUSTER_TIMEOUT} (for the same reason as there): with the default 50 ms, a loaded machine's
 * pauses make majority nodes fall back to their local share too, which this bound does not cover. Needs root and {@code ip} (CI runs as root); skipped
 * elsewhere with the reason, and failing when skipped under {@code CI=true}.
 */
class PartitionIT {
    private static final String TOKEN = "partition-it";
    private static final int NODES = 3;
    private static final int CUT = 2;
    private static final int RATE = 60;
    private static final int BURST = 10;
    private static final int PERMITS = 6;
    private static final int HOLD_CLIENTS = 3;
    private static final Duration SPLIT_FOR = Duration.ofSeconds(20);
    private static final Duration ANSWER = Duration.ofSeconds(60);
    private static final String POLICIES = """
            policies:
              - name: global-rate
                match: { paths: ["/echo/**"] }
                key: global
                scope: cluster
                rate: { limit: %d, period: 1s, burst: %d }
                on-backend-failure: local
              - name: shared-concurrency
                match: { paths: ["/shared/**"] }
                scope: cluster
                concurrency: { permits: %d, lease: 5s }
                on-backend-failure: local
              - name: node-hello
                match: { paths: ["/hello"] }
                key: ip
                rate: { limit: 100, period: 1s }
            """.formatted(RATE, BURST, PERMITS);

    private TestNetwork network;
    private final List<ServerProcess> nodes = new ArrayList<>();
    private final List<Agent> agents = new ArrayList<>();
    private final List<String> urls = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Agent agent : agents) {
            agent.close();
        }
        for (ServerProcess node : nodes) {
            node.close();
        }
        if (network != null) {
            network.close();
        }
    }

    @Test
    void aCutOffNodeKeepsItsLimitsAndTheMergeRestoresEveryNode() throws Exception {
        String unavailable = TestNetwork.unavailable();
        if (unavailable != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("The partition suite must run on CI, but cannot: " + unavailable);
            }
            Assumptions.abort("Partition suite skipped: " + unavailable + " (it runs on CI, as root)");
        }
        network = TestNetwork.create(NODES);
        Path work = Deployments.workDirectory("partition-");
        Path policies = work.resolve("policies.yaml");
        Files.writeString(policies, POLICIES, StandardCharsets.UTF_8);
        startCluster(work, policies);

        long started = System.currentTimeMillis();
        for (int i = 0; i < NODES; i++) {
            agents.get(i).send("load " + urls.get(i) + "/echo/rate " + RATE + " " + urls.get(i) + "/shared/job?ms=200 "
                    + HOLD_CLIENTS + " " + work.resolve("load-" + i + ".csv"));
        }
        Thread.sleep(8_000);

        long cut = System.currentTimeMillis();
        network.cut(CUT);
        awaitBody(CUT, "/sluice/health", body -> body.contains("\"majority\":false"), "node 3 to see it is cut off");
        awaitBody(0, "/sluice/health", body -> body.contains("\"members\":2"), "node 1 to see node 3 leave");
        long detected = System.currentTimeMillis();

        String minorityWrite = agents.get(CUT).send("call PUT " + urls.get(CUT) + "/sluice/policies/written-minority "
                + TOKEN + " " + policyJson("/minority/**"));
        String majorityWrite = agents.get(0).send("call PUT " + urls.get(0) + "/sluice/policies/written-majority "
                + TOKEN + " " + policyJson("/majority/**"));
        String cutOffPolicies = agents.get(CUT).send("call GET " + urls.get(CUT) + "/sluice/policies - -");
        Thread.sleep(Math.max(0, detected + SPLIT_FOR.toMillis() - System.currentTimeMillis()));

        long healed = System.currentTimeMillis();
        network.heal(CUT);
        for (int i = 0; i < NODES; i++) {
            awaitBody(i, "/sluice/health", body -> body.contains("\"members\":3") && body.contains("\"majority\":true"),
                    "the cluster to merge again");
        }
        long merged = System.currentTimeMillis();
        for (int i = 0; i < NODES; i++) {
            awaitBody(i, "/sluice/policies", body -> body.contains("\"written-majority\"")
                    && !body.contains("\"written-minority\""), "every node to hold the majority's policies");
        }
        long reconciled = System.currentTimeMillis();
        Thread.sleep(8_000);
        for (Agent agent : agents) {
            agent.send("stop");
        }
        long ended = System.currentTimeMillis();

        List<Record> records = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            for (String line : Files.readAllLines(work.resolve("load-" + i + ".csv"))) {
                records.add(Record.parse(i, line));
            }
        }
        long fiveSeconds = 5_000;
        Phase whole = new Phase("whole, before the cut", started, cut);
        Phase undetected = new Phase("cut, not yet detected", cut, detected);
        Phase split = new Phase("split (node 3 a minority)", detected, healed);
        Phase healing = new Phase("healed, not yet merged", healed, merged);
        Phase after = new Phase("merged (from 5 s after)", merged + fiveSeconds, ended);
        System.out.printf(Locale.ROOT, "[partition] detection %d ms, merge %d ms after the heal, policies "
                + "reconciled %d ms after the merge%n", detected - cut, merged - healed, reconciled - merged);
        for (Phase phase : List.of(whole, undetected, split, healing, after)) {
            long[] admitted = phase.admittedPerNode(records);
            System.out.printf(Locale.ROOT, "[partition] %-28s %5.1f s  admitted %5d %5d %5d  ratio %.2f  "
                    + "max concurrent %d%n", phase.name, phase.seconds(), admitted[0], admitted[1], admitted[2],
                    phase.ratio(records), phase.maxConcurrent(records));
        }
        System.out.println("[partition] write on node 3 during the split: " + clip(minorityWrite));
        System.out.println("[partition] write on node 1 during the split: " + clip(majorityWrite));

        double bound = 1 + 1.0 / NODES;
        Phase partitioned = new Phase("cut until merged", cut, merged);
        System.out.printf(Locale.ROOT, "[partition] %-28s %5.1f s  admitted %5d  bound %5d  ratio %.2f (bound %.2f)%n",
                partitioned.name, partitioned.seconds(), partitioned.admitted(records),
                boundOf(partitioned, bound), partitioned.ratio(records), bound);
        assertThat(partitioned.admitted(records)).as("rate admitted from the cut until the merge")
                .isLessThanOrEqualTo(boundOf(partitioned, bound));
        assertThat(split.admitted(records)).as("rate admitted while split")
                .isLessThanOrEqualTo(boundOf(split, bound));
        assertThat(partitioned.maxConcurrent(records)).as("requests at once from the cut until the merge")
                .isLessThanOrEqualTo(PERMITS + PERMITS / NODES);
        assertThat(split.admittedPerNode(records)[CUT]).as("the cut-off node still admits its local share")
                .isPositive().isLessThanOrEqualTo((long) Math.ceil(RATE * split.seconds() / NODES + BURST));
        assertThat(after.admitted(records)).as("rate admitted after the merge")
                .isLessThanOrEqualTo((long) Math.ceil(RATE * after.seconds() * 1.02 + BURST));
        assertThat(new Phase("", merged + fiveSeconds, ended).maxConcurrent(records))
                .as("requests at once from one lease time after the merge").isLessThanOrEqualTo(PERMITS);
        assertThat(minorityWrite).as("a write on the cut-off node").startsWith("503 ").contains("cut off");
        assertThat(majorityWrite).as("a write on the majority").startsWith("201 ");
        assertThat(cutOffPolicies).as("the cut-off node's policies during the split").startsWith("200 ")
                .contains("\"global-rate\"", "\"shared-concurrency\"", "\"node-hello\"");
        assertThat(reconciled - merged).as("ms from the merge until every node holds the store's policies")
                .isLessThanOrEqualTo(30_000);
        for (int i = 0; i < NODES; i++) {
            String live = agents.get(i).send("call GET " + urls.get(i) + "/sluice/policies/written-majority - -");
            assertThat(live).as("node " + (i + 1) + " applies the majority's write").startsWith("200 ")
                    .contains("\"live\"");
        }
    }

    private void startCluster(Path work, Path policies) throws Exception {
        String classPath = System.getProperty("java.class.path");
        List<String> members = new ArrayList<>();
        int hzPort = Ports.freeMemberPort();
        for (int i = 0; i < NODES; i++) {
            members.add(network.address(i) + ":" + hzPort);
        }
        for (int i = 0; i < NODES; i++) {
            int port = ServerProcess.freePort();
            urls.add("http://" + network.address(i) + ":" + port);
            List<String> command = new ArrayList<>(network.inside(i));
            command.addAll(List.of(ServerProcess.java(), "-Xmx256m", "-Djava.io.tmpdir=" + work.toAbsolutePath(),
                    "-jar", Deployments.jar().toString()));
            nodes.add(ServerProcess.start("partition node " + (i + 1), command, work,
                    Map.of("PORT", Integer.toString(port), "HOST", network.address(i), "SLUICE_TOKEN", TOKEN,
                            "SLUICE_HZ_HOST", network.address(i), "SLUICE_HZ_PORT", Integer.toString(hzPort),
                            "SLUICE_MEMBERS", String.join(",", members), "SLUICE_CONFIG", policies.toString(),
                            "SLUICE_CLUSTER_TIMEOUT", SampleCluster.CLUSTER_TIMEOUT),
                    work.resolve("node-" + (i + 1) + ".log")));
            List<String> agent = new ArrayList<>(network.inside(i));
            agent.addAll(List.of(ServerProcess.java(), "-Xmx128m", "-cp", classPath, NamespaceAgent.class.getName()));
            agents.add(Agent.start(agent, work.resolve("agent-" + (i + 1) + ".log")));
        }
        for (int i = 0; i < NODES; i++) {
            awaitBody(i, "/echo/ready", body -> true, "the node to start");
        }
        for (int i = 0; i < NODES; i++) {
            awaitBody(i, "/sluice/health", body -> body.contains("\"members\":3"), "the cluster to form");
        }
    }

    /** limit · t · bound, plus one burst for each node's bucket (each may start full once). */
    private static long boundOf(Phase phase, double bound) {
        return (long) Math.ceil(RATE * phase.seconds() * bound) + (long) NODES * BURST;
    }

    private static String policyJson(String path) {
        return "{\"match\":{\"paths\":[\"" + path + "\"]},\"rate\":{\"limit\":5,\"period\":\"1s\"}}";
    }

    /** Polls (every 500 ms, at most 90 s) until {@code node} answers 200 on {@code path} with a body that passes. */
    private void awaitBody(int node, String path, Predicate<String> until, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String last = "";
        while (System.nanoTime() < deadline) {
            last = agents.get(node).send("call GET " + urls.get(node) + path + " - -");
            if (last.startsWith("200 ") && until.test(last.substring(4))) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("waited 90 s for " + what + " on node " + (node + 1) + "; last answer of " + path
                + ": " + clip(last) + "\n" + nodes.get(node).output());
    }

    private static String clip(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    /** One answered request of a load generator: node, kind (rate or hold), status, sent (ms), app run (µs). */
    private record Record(int node, String kind, int status, long sent, long started, long finished) {
        static Record parse(int node, String line) {
            String[] f = line.split(",");
            return new Record(node, f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                    Long.parseLong(f[4]));
        }
    }

    /** A stretch of the run, by the time requests were sent (ms since the epoch). */
    private record Phase(String name, long from, long to) {
        double seconds() {
            return (to - from) / 1000.0;
        }

        long[] admittedPerNode(List<Record> records) {
            long[] admitted = new long[NODES];
            for (Record record : records) {
                if (record.kind.equals("rate") && record.status == 200 && record.sent >= from && record.sent < to) {
                    admitted[record.node]++;
                }
            }
            return admitted;
        }

        long admitted(List<Record> records) {
            long total = 0;
            for (long count : admittedPerNode(records)) {
                total += count;
            }
            return total;
        }

        double ratio(List<Record> records) {
            return seconds() <= 0 ? 0 : admitted(records) / (RATE * seconds());
        }

        /** The most admitted hold requests running at once (by the application's own start and finish times). */
        int maxConcurrent(List<Record> records) {
            List<long[]> events = new ArrayList<>();
            for (Record record : records) {
                if (record.kind.equals("hold") && record.status == 200 && record.started / 1000 >= from
                        && record.started / 1000 < to) {
                    events.add(new long[] {record.started, 1});
                    events.add(new long[] {record.finished, -1});
                }
            }
            events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
            int running = 0;
            int most = 0;
            for (long[] event : events) {
                running += (int) event[1];
                most = Math.max(most, running);
            }
            return most;
        }
    }

    /**
     * A {@link NamespaceAgent} in its own JVM: commands go to its standard input, answers ({@code > ...} lines) come
     * back through a reader thread, anything else it prints goes to its log. {@link #close()} closes its input (it
     * then stops its load and exits) and, after a bounded wait, destroys it.
     */
    private static final class Agent implements AutoCloseable {
        private final Process process;
        private final Writer input;
        private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        private final Path log;

        private Agent(Process process, Path log) {
            this.process = process;
            this.log = log;
            this.input = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread reader = new Thread(this::readAnswers, "partition-agent-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static Agent start(List<String> command, Path log) throws IOException {
            Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
            return new Agent(process, log);
        }

        private void readAnswers() {
            try (BufferedReader output = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = output.readLine()) != null) {
                    if (line.startsWith("> ")) {
                        answers.add(line.substring(2));
                    } else {
                        Files.writeString(log, line + System.lineSeparator(), StandardCharsets.UTF_8,
                                java.nio.file.StandardOpenOption.APPEND, java.nio.file.StandardOpenOption.CREATE);
                    }
                }
            } catch (IOException ended) {
                // the agent exited; send() reports it
            }
        }

        /** Sends one command and waits (at most {@link #ANSWER}) for its answer. */
        synchronized String send(String command) throws Exception {
            if (!process.isAlive()) {
                throw new AssertionError("the agent exited (" + process.exitValue() + ") before: " + command
                        + "\n" + logText());
            }
            input.write(command + "\n");
            input.flush();
            String answer = answers.poll(ANSWER.toSeconds(), TimeUnit.SECONDS);
            if (answer == null) {
                throw new AssertionError("the agent did not answer within " + ANSWER.toSeconds() + " s: "
                        + clip(command) + "\n" + logText());
            }
            return answer;
        }

        private String logText() {
            try {
                return Files.exists(log) ? Files.readString(log) : "(no agent log)";
            } catch (IOException unreadable) {
                return "(agent log unreadable: " + unreadable + ")";
            }
        }

        @Override
        public void close() throws Exception {
            try {
                input.close();
            } catch (IOException alreadyGone) {
                // the agent exited on its own
            }
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
