package dev.sluice.sample;

import dev.sluice.core.testkit.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sample jars ({@code java -jar sluice-sample-webapp.jar}) clustered on loopback: one embedded Hazelcast member each,
 * every node listing every other as a peer, all with the same management token. {@link #close()} stops every node
 * that is still running; the calls here are each bounded in time.
 */
final class SampleCluster implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    static final String CLUSTER_TIMEOUT = "5s";

    private final HttpClient client;
    private final String token;
    private final List<ServerProcess> nodes = new ArrayList<>();
    private final List<URI> uris = new ArrayList<>();

    private SampleCluster(HttpClient client, String token) {
        this.client = client;
        this.token = token;
    }

    /**
     * Starts {@code size} nodes, waits until each serves {@code /echo/ready} and node 0 sees all of them as members.
     * A node that fails to start fails the call with its log; the nodes started so far are stopped.
     *
     * <p>The nodes' cluster calls get a time limit of {@value #CLUSTER_TIMEOUT} instead of the default 50 ms. These
     * tests hold the cluster to its full count through a member's death and a long mixed load, with three JVMs and
     * the load sharing two cores: with 50 ms, a pause of the machine, or the second Hazelcast takes to notice a
     * killed member, puts calls past the limit, and the policy's {@code local} rule then admits a node-local share
     * on top of the cluster's count, by design (see the README, "When the cluster cannot answer"; that mode has
     * tests of its own). With this limit, requests wait for the cluster instead.
     *
     * @param name       prefix of the nodes' work directories and names
     * @param jvmOptions options for each node's JVM (heap size, ...)
     */
    static SampleCluster start(HttpClient client, String name, int size, String token, List<String> jvmOptions)
            throws Exception {
        return start(client, name, size, token, jvmOptions, node -> Map.of());
    }

    /** As {@link #start(HttpClient, String, int, String, List)}, with {@code nodeEnv} added to node i's environment. */
    static SampleCluster start(HttpClient client, String name, int size, String token, List<String> jvmOptions,
            IntFunction<Map<String, String>> nodeEnv) throws Exception {
        SampleCluster cluster = new SampleCluster(client, token);
        try {
            List<String> members = new ArrayList<>();
            int[] hzPorts = new int[size];
            for (int i = 0; i < size; i++) {
                hzPorts[i] = Ports.freeMemberPort();
                members.add("127.0.0.1:" + hzPorts[i]);
            }
            for (int i = 0; i < size; i++) {
                Path work = Deployments.workDirectory(name + "-" + i + "-");
                int port = ServerProcess.freePort();
                List<String> command = new ArrayList<>();
                command.add(ServerProcess.java());
                command.addAll(jvmOptions);
                command.addAll(List.of("-Djava.io.tmpdir=" + work.toAbsolutePath(), "-jar",
                        Deployments.jar().toString()));
                Map<String, String> env = new HashMap<>(Map.of("PORT", Integer.toString(port), "HOST", "127.0.0.1",
                        "SLUICE_TOKEN", token, "SLUICE_HZ_PORT", Integer.toString(hzPorts[i]),
                        "SLUICE_MEMBERS", String.join(",", members), "SLUICE_CLUSTER_TIMEOUT", CLUSTER_TIMEOUT));
                env.putAll(nodeEnv.apply(i));
                cluster.nodes.add(ServerProcess.start(name + " node " + i, command, work, env,
                        work.resolve("node.log")));
                cluster.uris.add(URI.create("http://127.0.0.1:" + port));
            }
            for (int i = 0; i < size; i++) {
                cluster.nodes.get(i).awaitReady(client, cluster.uri(i, "/echo/ready"));
            }
            cluster.awaitMembers(0, size);
            return cluster;
        } catch (Exception | AssertionError failure) {
            cluster.close();
            throw failure;
        }
    }

    int size() {
        return nodes.size();
    }

    URI uri(int node, String pathAndQuery) {
        return uris.get(node).resolve(pathAndQuery);
    }

    ServerProcess node(int node) {
        return nodes.get(node);
    }

    /** Waits (at most 60 s) until {@code node}'s {@code /sluice/health} counts {@code count} members. */
    void awaitMembers(int node, int count) throws Exception {
        Pattern members = Pattern.compile("\"members\":(\\d+)");
        awaitManagement(node, "/health", body -> {
            Matcher found = members.matcher(body);
            return found.find() && Integer.parseInt(found.group(1)) == count;
        }, Duration.ofSeconds(60), "the cluster reaching " + count + " members");
    }

    /** GET on the management API of {@code node}; the body as JSON. */
    JsonNode management(int node, String path) throws Exception {
        HttpResponse<String> answer = get(node, "/sluice" + path);
        if (answer.statusCode() != 200) {
            throw new AssertionError("GET /sluice" + path + " on node " + node + " answered "
                    + answer.statusCode() + ": " + answer.body());
        }
        return JSON.readTree(answer.body());
    }

    /**
     * Polls {@code node}'s management resource {@code path} every 200 ms until its body satisfies {@code until};
     * fails after {@code within} with the last body seen.
     *
     * @return the body that satisfied {@code until}
     */
    String awaitManagement(int node, String path, Predicate<String> until, Duration within, String what)
            throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = get(node, "/sluice" + path).body();
            if (until.test(body)) {
                return body;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("waited " + within.toSeconds() + " s for " + what + " on node " + node
                + "; last answer of /sluice" + path + ": " + body);
    }

    /** A JSON merge patch of one policy through {@code node}, with the management token; fails unless 200. */
    void patchPolicy(int node, String policy, String mergePatch) throws Exception {
        write(node, "PATCH", policy, mergePatch, "application/merge-patch+json", 200);
    }

    /** Creates {@code policy} (a JSON definition) through {@code node}, with the management token; fails unless 201. */
    void putPolicy(int node, String policy, String definition) throws Exception {
        write(node, "PUT", policy, definition, "application/json", 201);
    }

    private void write(int node, String method, String policy, String body, String type, int expected)
            throws Exception {
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(uri(node, "/sluice/policies/" + policy))
                .timeout(CALL_TIMEOUT)
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", type)
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != expected) {
            throw new AssertionError(method + " " + policy + " " + body + " answered " + answer.statusCode() + ": "
                    + answer.body());
        }
    }

    HttpResponse<String> get(int node, String pathAndQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(node, pathAndQuery)).timeout(CALL_TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** SIGKILLs {@code node} (no shutdown hook runs, its member just vanishes) and waits until it is gone. */
    void kill(int node) throws InterruptedException {
        nodes.get(node).kill();
    }

    /**
     * The heap in use by {@code node} right after a full GC, in bytes, through {@code jcmd} of the JDK running the
     * tests (at most 60 s per call).
     */
    long heapAfterGc(int node) throws Exception {
        return nodes.get(node).heapAfterGc();
    }

    @Override
    public void close() throws InterruptedException {
        for (ServerProcess node : nodes) {
            node.close();
        }
    }
}
