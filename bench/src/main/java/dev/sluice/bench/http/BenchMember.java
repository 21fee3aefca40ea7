package dev.sluice.bench.http;

import com.hazelcast.core.HazelcastInstance;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A bare Hazelcast member in its own JVM for the 3-member variants: {@code BenchMember <port> [peer-port...]}. Prints
 * {@code PORT <n>} once it has joined and stops when its standard input closes.
 */
public final class BenchMember {
    private BenchMember() {}

    public static void main(String[] args) throws Exception {
        HazelcastInstance member = BenchServer.member(Arrays.asList(args));
        System.out.println("PORT " + args[0]);
        System.out.flush();
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (stdin.readLine() != null) {
            // runs until the harness closes our input
        }
        member.shutdown();
    }
}
