package dev.sluice.bench.http;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The JVMs behind one variant or one accuracy run: the server(s) the load hits, and for 3-member clusters the
 * others, each on a free loopback port found at start. {@link #close()} stops every JVM it started, also when the
 * start failed half way.
 */
final class Deployment implements AutoCloseable {
    private final List<ServerProcess> servers = new ArrayList<>();
    private final List<ServerProcess> members = new ArrayList<>();
    private RedisServer redis;

    private Deployment() {}

    /** The server of a load variant; {@link Variant#SLUICE_CLUSTER_RATE_3} also gets two {@link BenchMember}s. */
    static Deployment variant(Variant variant, Path workDir) throws IOException {
        return deploy(deployment -> {
            if (variant.gateway()) {
                deployment.startGateway(variant, Map.of(), workDir, variant.name());
            } else if (variant == Variant.SLUICE_CLUSTER_RATE_3) {
                int[] ports = {ServerProcess.freeMemberPort(), ServerProcess.freeMemberPort(), ServerProcess.freeMemberPort()};
                deployment.members.addAll(startAll(List.of(
                        () -> ServerProcess.start(BenchMember.class.getName(), List.of(
                                        Integer.toString(ports[1]), Integer.toString(ports[0]),
                                        Integer.toString(ports[2])), workDir.resolve(variant + "-member1.log")),
                        () -> ServerProcess.start(BenchMember.class.getName(), List.of(
                                        Integer.toString(ports[2]), Integer.toString(ports[0]),
                                        Integer.toString(ports[1])), workDir.resolve(variant + "-member2.log")))));
                deployment.servers.add(ServerProcess.start(BenchServer.class.getName(), variant.jvmOptions(),
                        List.of(variant.name()), clusterEnvironment(ports, 0), workDir.resolve(variant + ".log")));
            } else {
                deployment.servers.add(ServerProcess.start(BenchServer.class.getName(), variant.jvmOptions(),
                        List.of(variant.name()), Map.of(), workDir.resolve(variant + ".log")));
            }
        });
    }

    /**
     * A gateway variant in accuracy mode (see {@code BenchGateway}): its limiter a token bucket of {@code burst}
     * refilled at {@code rate} per second, per client address, and {@code GET /arrivals} listing when requests
     * reached the gateway. Started as {@link #variant} starts it, with its own backend (and {@code redis-server}).
     */
    static Deployment gatewayAccuracy(Variant variant, int rate, int burst, Path workDir) throws IOException {
        if (!variant.gateway() || variant == Variant.GATEWAY_NONE) {
            throw new IllegalArgumentException("accuracy runs need a gateway variant with a limiter, got " + variant);
        }
        return deploy(deployment -> deployment.startGateway(variant, Map.of("BENCH_ACCURACY_RATE",
                Integer.toString(rate), "BENCH_ACCURACY_BURST", Integer.toString(burst)), workDir,
                "accuracy-" + variant));
    }

    /**
     * A gateway variant: its hello backend ({@link BenchServer} {@code NONE}, counted among the members), a
     * {@code redis-server} for {@link Variant#GATEWAY_REDIS}, then the gateway ({@code bench.gateway.jar}, default
     * {@value #GATEWAY_JAR}) with {@code settings} added to its environment, the server the load hits. Logs in
     * {@code workDir}: {@code <name>.log}, {@code <name>-backend.log}, {@code <name>-redis.log}.
     */
    private void startGateway(Variant variant, Map<String, String> settings, Path workDir, String name)
            throws IOException {
        Path jar = Path.of(System.getProperty("bench.gateway.jar", GATEWAY_JAR));
        if (!java.nio.file.Files.isRegularFile(jar)) {
            throw new IOException("no gateway jar at " + jar.toAbsolutePath() + ": build it with "
                    + "`mvn package -pl bench/gateway -am` (bench/run.sh does) or set -Dbench.gateway.jar");
        }
        ServerProcess backend = ServerProcess.start(BenchServer.class.getName(), List.of(Variant.NONE.name()),
                workDir.resolve(name + "-backend.log"));
        members.add(backend);
        Map<String, String> environment = new java.util.HashMap<>(settings);
        environment.put("BENCH_BACKEND", "http://127.0.0.1:" + backend.port());
        if (variant == Variant.GATEWAY_REDIS) {
            redis = RedisServer.start(workDir.resolve(name + "-redis.log"));
            environment.put("BENCH_REDIS_PORT", Integer.toString(redis.port()));
        }
        if (variant == Variant.GATEWAY_SLUICE_CLUSTER) {
            environment.put("SLUICE_HZ_PORT", Integer.toString(ServerProcess.freeMemberPort()));
        }
        servers.add(ServerProcess.startJar(jar, List.of(variant.name()), environment,
                workDir.resolve(name + ".log")));
    }

    static final String GATEWAY_JAR = "bench/gateway/target/sluice-bench-gateway.jar";

    /** {@code count} (1 or 3) accuracy servers of the given scope; 3 form one cluster. */
    static Deployment accuracy(String scope, int count, Path workDir) throws IOException {
        return deploy(deployment -> {
            if (count == 1) {
                deployment.servers.add(ServerProcess.start(BenchServer.class.getName(), List.of("accuracy", scope),
                        workDir.resolve("accuracy-" + scope + ".log")));
            } else if (count == 3 && scope.equals("cluster")) {
                int[] ports = {ServerProcess.freeMemberPort(), ServerProcess.freeMemberPort(), ServerProcess.freeMemberPort()};
                List<Starter> starters = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    int self = i;
                    starters.add(() -> ServerProcess.start(BenchServer.class.getName(), List.of(),
                            List.of("accuracy", scope), clusterEnvironment(ports, self),
                            workDir.resolve("accuracy-cluster3-" + self + ".log")));
                }
                deployment.servers.addAll(startAll(starters));
            } else {
                throw new IllegalArgumentException("accuracy runs use 1 server, or 3 in cluster scope; got " + count
                        + " in " + scope + " scope");
            }
        });
    }

    @FunctionalInterface
    private interface Setup {
        void start(Deployment deployment) throws IOException;
    }

    /** A new deployment set up by {@code setup}; what it started is stopped if the setup fails half way. */
    private static Deployment deploy(Setup setup) throws IOException {
        Deployment deployment = new Deployment();
        try {
            setup.start(deployment);
            return deployment;
        } catch (IOException | RuntimeException failure) {
            deployment.close();
            throw failure;
        }
    }

    /** Environment for a server whose embedded member is {@code ports[self]} in a cluster of all {@code ports}. */
    private static Map<String, String> clusterEnvironment(int[] ports, int self) {
        List<String> peers = new ArrayList<>();
        for (int i = 0; i < ports.length; i++) {
            if (i != self) {
                peers.add("127.0.0.1:" + ports[i]);
            }
        }
        return Map.of("SLUICE_HZ_PORT", Integer.toString(ports[self]), "SLUICE_MEMBERS", String.join(",", peers),
                "BENCH_CLUSTER_SIZE", Integer.toString(ports.length));
    }

    @FunctionalInterface
    private interface Starter {
        ServerProcess start() throws IOException;
    }

    /** Starts all in parallel (members waiting for each other to join); stops those that started if one fails. */
    private static List<ServerProcess> startAll(List<Starter> starters) throws IOException {
        List<CompletableFuture<ServerProcess>> futures = new ArrayList<>();
        for (Starter starter : starters) {
            futures.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return starter.start();
                } catch (IOException failure) {
                    throw new CompletionException(failure);
                }
            }, runnable -> new Thread(runnable, "bench-start").start()));
        }
        List<ServerProcess> started = new ArrayList<>();
        IOException problem = null;
        for (CompletableFuture<ServerProcess> future : futures) {
            try {
                started.add(future.join());
            } catch (CompletionException failure) {
                if (problem == null) {
                    problem = new IOException("a JVM of the deployment did not start", failure.getCause());
                }
            }
        }
        if (problem != null) {
            started.forEach(ServerProcess::close);
            throw problem;
        }
        return started;
    }

    /** The port of the server the load hits. */
    int port() {
        return servers.get(0).port();
    }

    List<Integer> serverPorts() {
        return servers.stream().map(ServerProcess::port).toList();
    }

    /** CPU time of the server the load hits (members not included), nanoseconds. */
    long serverCpuNanos() {
        return servers.get(0).cpuNanos();
    }

    @Override
    public void close() {
        servers.forEach(ServerProcess::close);
        members.forEach(ServerProcess::close);
        if (redis != null) {
            redis.close();
        }
    }
}
