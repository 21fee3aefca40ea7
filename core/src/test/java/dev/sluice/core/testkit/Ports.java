package dev.sluice.core.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Ports for tests that start servers and cluster members on loopback. */
public final class Ports {
    private Ports() {
    }

    /**
     * A free loopback port for a Hazelcast member of a cluster, below the system's ephemeral range (which starts at
     * 32768 on Linux): members connect to the ports of their peers before all of them listen, and such an outgoing
     * connection's own port, drawn from the ephemeral range, could take a port picked there for a member that has
     * not started yet.
     */
    public static int freeMemberPort() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = 20_000 + random.nextInt(12_000);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // in use: draw another
            }
        }
        throw new IllegalStateException("no free loopback port between 20000 and 32000");
    }
}
