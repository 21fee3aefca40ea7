package dev.sluice.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import dev.sluice.core.Reason;
import dev.sluice.core.spi.ClusterSettings;
import dev.sluice.core.testkit.Ports;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.grid.hazelcast.HazelcastProxyManager;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A stock Hazelcast member in a JVM of its own, started as Hazelcast's own {@code hz start} starts one
 * ({@code com.hazelcast.core.server.HazelcastMemberStarter}) from a plain YAML file (a cluster name of its own, TCP-IP
 * join on 127.0.0.1 and a free port, no multicast, no serializer section), with a class path of jars and nothing
 * else. {@link #close()} always destroys it.
 */
final class StockMember implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    final String clusterName = "sluice-stock-" + UUID.randomUUID().toString().substring(0, 8);
    final int port = Ports.freeMemberPort();
    private final Process process;
    private final Path log;

    private StockMember(List<Path> classPath) throws IOException {
        Path directory = Files.createTempDirectory("sluice-stock-member");
        Path yaml = directory.resolve("member.yaml");
        Files.writeString(yaml, """
                hazelcast:
                  cluster-name: %s
                  network:
                    port:
                      port: %d
                      auto-increment: false
                    interfaces:
                      enabled: true
                      interfaces: [127.0.0.1]
                    join:
                      auto-detection:
                        enabled: false
                      multicast:
                        enabled: false
                      tcp-ip:
                        enabled: true
                        member-list: [127.0.0.1:%d]
                  properties:
                    hazelcast.phone.home.enabled: false
                """.formatted(clusterName, port, port), StandardCharsets.UTF_8);
        log = directory.resolve("member.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-Dhazelcast.config=" + yaml, "-cp", String.join(File.pathSeparator,
                classPath.stream().map(Path::toString).toList()), "com.hazelcast.core.server.HazelcastMemberStarter"));
        process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    /** A member with only Hazelcast's jar on its class path. */
    static StockMember hazelcastOnly() throws Exception {
        return started(List.of(jarOf(HazelcastInstance.class)));
    }

    /** A member with Hazelcast's jar and Sluice's (sluice-hazelcast, sluice-core, Bucket4j) on its class path. */
    static StockMember withSluiceJars() throws Exception {
        return started(List.of(jarOf(HazelcastInstance.class), jarOf(SluiceSerialization.class), jarOf(Reason.class),
                jarOf(Bucket.class), jarOf(HazelcastProxyManager.class)));
    }

    private static StockMember started(List<Path> classPath) throws Exception {
        StockMember member = new StockMember(classPath);
        try {
            member.awaitStarted();
            return member;
        } catch (Exception | AssertionError failure) {
            member.close();
            throw failure;
        }
    }

    /** Where {@code type} was loaded from: a jar, or a module's classes directory. */
    static Path jarOf(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private void awaitStarted() throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the stock member exited with code " + process.exitValue() + ":\n"
                        + output());
            }
            if (output().contains("is STARTED")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the stock member did not start within " + START_TIMEOUT + ":\n" + output());
    }

    /** Settings for a Sluice client of this member. */
    ClusterSettings clientSettings() {
        return new ClusterSettings("client", null, List.of(address()), null, null,
                Map.of(HazelcastCluster.CLUSTER_NAME_OPTION, clusterName, HazelcastCluster.TIMEOUT_OPTION, "1m"));
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException unreadable) {
            return "(no output: " + unreadable + ")";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
