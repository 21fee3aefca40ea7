package dev.sluice.bench.http;

import dev.sluice.core.spi.ClusterSettings;
import dev.sluice.hazelcast.HazelcastCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A Sluice Hazelcast member with no web server, in its own JVM, for the 3-member runs: {@code BenchMember <port>
 * [peer-port...]}, bound to 127.0.0.1 with Sluice's default member configuration. Prints {@code PORT <n>} once it is
 * up (it may still be alone: the harness checks the cluster's size from the server) and leaves the cluster when its
 * standard input closes.
 */
public final class BenchMember {
    private BenchMember() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        List<String> peers = Arrays.stream(args).skip(1).map(peer -> "127.0.0.1:" + peer).toList();
        HazelcastCluster member = HazelcastCluster.start(
                new ClusterSettings("embedded", null, peers, port, "127.0.0.1", Map.of()));
        System.out.println("PORT " + port);
        System.out.flush();
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (stdin.readLine() != null) {
            // runs until the harness closes our input
        }
        member.close();
    }
}
