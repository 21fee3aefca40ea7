package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.testkit.Ports;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A stock Hazelcast member prepared by dropping jars: started as Hazelcast's {@code hz start} starts one
 * ({@code HazelcastMemberStarter}), with only Hazelcast's jar and Sluice's member jar on its class path and a plain
 * YAML (cluster {@code sluice}, TCP-IP join on 127.0.0.1, no serializer section). The sample jar, in client mode,
 * keeps cluster-scope rate and concurrency policies through it.
 */
class StockMemberIT {
    private static final Duration CALL = Duration.ofSeconds(30);
    private static final int RATE_LIMIT = 3;
    private static final int PERMITS = 2;
    private static final Pattern PERMITS_IN_USE = Pattern.compile("\"permits-in-use\":(\\d+)");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<ServerProcess> processes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (ServerProcess process : processes) {
            process.close();
        }
    }

    @Test
    void theSampleInClientModeKeepsClusterLimitsThroughAStockMember() throws Exception {
        Path work = Deployments.workDirectory("stock-member-");
        int memberPort = Ports.freeMemberPort();
        ServerProcess member = startMember(work, memberPort);
        Path policies = work.resolve("policies.yaml");
        Files.writeString(policies, """
                policies:
                  - name: stock-rate
                    match: { paths: ["/hello"] }
                    scope: cluster
                    rate: { limit: %d, period: 1h }
                  - name: stock-concurrency
                    match: { paths: ["/shared/**"] }
                    scope: cluster
                    concurrency: { permits: %d, lease: 30s }
                """.formatted(RATE_LIMIT, PERMITS), StandardCharsets.UTF_8);
        int port = ServerProcess.freePort();
        ServerProcess sample = ServerProcess.start("sample jar (client)", List.of(ServerProcess.java(),
                        "-Djava.io.tmpdir=" + work.toAbsolutePath(), "-jar", Deployments.jar().toString()), work,
                Map.of("PORT", Integer.toString(port), "HOST", "127.0.0.1", "SLUICE_HAZELCAST", "client",
                        "SLUICE_MEMBERS", "127.0.0.1:" + memberPort, "SLUICE_CONFIG", policies.toString(),
                        "SLUICE_CLUSTER_TIMEOUT", "5s"),
                work.resolve("sample.log"));
        processes.add(sample);
        URI base = URI.create("http://127.0.0.1:" + port);
        sample.awaitReady(client, base.resolve("/echo/ready"));
        assertThat(sample.output()).as("the client joined the stock member").contains("as client");

        List<Integer> rate = new ArrayList<>();
        for (int i = 0; i <= RATE_LIMIT; i++) {
            rate.add(get(base.resolve("/hello")).statusCode());
        }
        assertThat(rate).as("cluster rate %d per hour", RATE_LIMIT).containsExactly(200, 200, 200, 429);

        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < PERMITS; i++) {
            held.add(client.sendAsync(HttpRequest.newBuilder(base.resolve("/shared/job?ms=10000")).timeout(CALL)
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        awaitPermitsInUse(base, PERMITS);
        HttpResponse<String> third = get(base.resolve("/shared/job?ms=0"));
        assertThat(third.statusCode()).as("a third request while %d are running", PERMITS).isEqualTo(503);
        assertThat(third.body()).contains("concurrency");
        for (CompletableFuture<HttpResponse<String>> request : held) {
            assertThat(request.get(CALL.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        awaitPermitsInUse(base, 0);
        assertThat(get(base.resolve("/shared/job?ms=0")).statusCode()).as("after the permits came back")
                .isEqualTo(200);
        assertThat(member.output()).as("the member's log").doesNotContain("Exception");
    }

    private ServerProcess startMember(Path work, int port) throws Exception {
        Path yaml = work.resolve("member.yaml");
        Files.writeString(yaml, """
                hazelcast:
                  cluster-name: sluice
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
                """.formatted(port, port), StandardCharsets.UTF_8);
        List<String> classPath;
        try (Stream<Path> jars = Files.list(Deployments.memberLib())) {
            classPath = jars.filter(jar -> jar.toString().endsWith(".jar")).map(Path::toString).sorted().toList();
        }
        assertThat(classPath).as("the member's class path").hasSize(2)
                .anyMatch(jar -> jar.contains("hazelcast-5")).anyMatch(jar -> jar.endsWith("-member.jar"));
        ServerProcess member = ServerProcess.start("stock member", List.of(ServerProcess.java(), "-Xmx256m",
                "-Dhazelcast.config=" + yaml, "-cp", String.join(File.pathSeparator, classPath),
                "com.hazelcast.core.server.HazelcastMemberStarter"), work, Map.of(), work.resolve("member.log"));
        processes.add(member);
        long deadline = System.nanoTime() + ServerProcess.START_TIMEOUT.toNanos();
        while (!member.output().contains("is STARTED")) {
            assertThat(System.nanoTime() - deadline).as("the member started within %s:%n%s",
                    ServerProcess.START_TIMEOUT, member.output()).isNegative();
            Thread.sleep(100);
        }
        return member;
    }

    /** Waits (at most 30 s) until the management API counts {@code count} permits in use on the policy's key. */
    private void awaitPermitsInUse(URI base, int count) throws Exception {
        long deadline = System.nanoTime() + CALL.toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = get(base.resolve("/sluice/policies/stock-concurrency/keys/*")).body();
            if (PERMITS_IN_USE.matcher(body).results().anyMatch(found -> Integer.parseInt(found.group(1)) == count)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("waited " + CALL + " for " + count + " permits in use; last answer: " + body);
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).timeout(CALL).build(), HttpResponse.BodyHandlers.ofString());
    }
}
