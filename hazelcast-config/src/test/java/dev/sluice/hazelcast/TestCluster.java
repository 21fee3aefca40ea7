package dev.sluice.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.sluice.core.spi.ClusterSettings;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Hazelcast members in this JVM on loopback, on free ports, with a cluster name of their own. */
final class TestCluster implements AutoCloseable {
    final List<HazelcastInstance> members = new ArrayList<>();
    private final String name = "sluice-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Integer> ports = new ArrayList<>();

    static TestCluster of(int size) {
        TestCluster cluster = new TestCluster();
        for (int i = 0; i < size; i++) {
            cluster.ports.add(freePort());
        }
        for (int i = 0; i < size; i++) {
            cluster.members.add(cluster.startMember(i));
        }
        return cluster;
    }

    HazelcastInstance startMember(int index) {
        List<String> peers = new ArrayList<>();
        for (int port : ports) {
            peers.add("127.0.0.1:" + port);
        }
        Config config = HazelcastCluster.memberConfig(new ClusterSettings("embedded", null, peers, ports.get(index),
                "127.0.0.1", Map.of()));
        config.setClusterName(name);
        config.setInstanceName(name + "-" + index + "-" + UUID.randomUUID().toString().substring(0, 4));
        return Hazelcast.newHazelcastInstance(config);
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (java.io.IOException failure) {
            throw new IllegalStateException(failure);
        }
    }

    @Override
    public void close() {
        for (HazelcastInstance member : members) {
            try {
                member.getLifecycleService().terminate();
            } catch (RuntimeException alreadyGone) {
                // terminated by the test
            }
        }
    }
}
