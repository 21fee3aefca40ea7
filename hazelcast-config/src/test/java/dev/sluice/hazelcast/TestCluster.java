package dev.sluice.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.config.SerializationConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.sluice.core.spi.ClusterSettings;
import dev.sluice.core.testkit.Ports;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;

/** Hazelcast members in this JVM on loopback, on free ports, with a cluster name of their own. */
final class TestCluster implements AutoCloseable {
    /**
     * Backend options for tests that are about what the cluster decides, not about failures: the longest time
     * limit, so a slow moment of a shared test machine is not taken for a failed cluster, and a test that moves a
     * manual clock past the limit while a cluster call is still on its way (in real time) does not fail that call.
     */
    static final Map<String, String> PATIENT = Map.of(HazelcastCluster.TIMEOUT_OPTION, "1m");

    final List<HazelcastInstance> members = new ArrayList<>();
    final String name = "sluice-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Integer> ports = new ArrayList<>();
    private final UnaryOperator<Config> adjust;

    private final Map<String, String> options;

    private TestCluster(UnaryOperator<Config> adjust, Map<String, String> options) {
        this.adjust = adjust;
        this.options = options;
    }

    /** Members configured as Sluice configures them, with these further options (e.g. split-brain protection). */
    static TestCluster of(int size, Map<String, String> options) {
        return start(size, UnaryOperator.identity(), options);
    }

    /** Members configured as Sluice configures them. */
    static TestCluster of(int size) {
        return start(size, UnaryOperator.identity());
    }

    /**
     * Members whose configuration registers no serializer of Sluice's: what they know of Sluice's types comes from
     * the class-path hooks alone.
     */
    static TestCluster withoutExplicitRegistration(int size) {
        return start(size, config -> config.setSerializationConfig(new SerializationConfig()));
    }

    private static TestCluster start(int size, UnaryOperator<Config> adjust) {
        return start(size, adjust, Map.of());
    }

    private static TestCluster start(int size, UnaryOperator<Config> adjust, Map<String, String> options) {
        TestCluster cluster = new TestCluster(adjust, options);
        for (int i = 0; i < size; i++) {
            cluster.ports.add(Ports.freeMemberPort());
        }
        try {
            for (int i = 0; i < size; i++) {
                cluster.members.add(cluster.startMember(i));
            }
        } catch (RuntimeException failure) {
            cluster.close();
            throw failure;
        }
        return cluster;
    }

    HazelcastInstance startMember(int index) {
        Config config = adjust.apply(HazelcastCluster.memberConfig(new ClusterSettings("embedded", null, addresses(),
                ports.get(index), "127.0.0.1", memberOptions())));
        config.setInstanceName(name + "-" + index + "-" + UUID.randomUUID().toString().substring(0, 4));
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        // Hazelcast decides the split-brain protection on the first heartbeat; until then it refuses Sluice's maps
        SplitBrain.awaitMajority(member, java.time.Duration.ofSeconds(30));
        return member;
    }

    private Map<String, String> memberOptions() {
        Map<String, String> all = new java.util.HashMap<>(options);
        all.put(HazelcastCluster.CLUSTER_NAME_OPTION, name);
        return all;
    }

    /** The members' addresses, {@code 127.0.0.1:port}. */
    List<String> addresses() {
        List<String> peers = new ArrayList<>();
        for (int port : ports) {
            peers.add("127.0.0.1:" + port);
        }
        return peers;
    }

    /** Settings for a Sluice client of this cluster, with the {@link #PATIENT} time limit. */
    ClusterSettings clientSettings() {
        return new ClusterSettings("client", null, addresses(), null, null,
                Map.of(HazelcastCluster.CLUSTER_NAME_OPTION, name, HazelcastCluster.TIMEOUT_OPTION, "1m"));
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
