package dev.sluice.hazelcast;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.ListenerConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.core.LifecycleListener;
import com.hazelcast.partition.Partition;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Starting a Hazelcast client that is ready for Sluice: connected, and knowing every partition's owner. */
final class ClientStart {
    private ClientStart() {
    }

    /**
     * Starts a client and waits for its first connection: at once when its configuration starts synchronously, at
     * most {@code seconds} when it starts in the background (the default configuration, which
     * never gives up reconnecting later).
     *
     * @throws IllegalStateException when it did not connect in time (the client is shut down)
     */
    static HazelcastInstance start(ClientConfig config, int seconds) {
        CountDownLatch connected = new CountDownLatch(1);
        config.addListenerConfig(new ListenerConfig((LifecycleListener) event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.CLIENT_CONNECTED) {
                connected.countDown();
            }
        }));
        HazelcastInstance client = HazelcastClient.newHazelcastClient(config);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        boolean ready;
        try {
            ready = connected.await(seconds, TimeUnit.SECONDS) && partitionTable(client, deadline);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            ready = false;
        }
        if (!ready) {
            client.shutdown();
            throw new IllegalStateException("The Hazelcast client could not connect to cluster '"
                    + config.getClusterName() + "' at " + config.getNetworkConfig().getAddresses() + " within "
                    + seconds + " s: check SLUICE_MEMBERS, the cluster name and that the members run");
        }
        return client;
    }

    /**
     * Waits until a newly connected client knows the owner of every partition (it learns them just after it
     * connects), so that the start-up check finds a key owned by each member; false when {@code deadline} passes.
     */
    private static boolean partitionTable(HazelcastInstance client, long deadline) throws InterruptedException {
        while (true) {
            boolean known = !client.getCluster().getMembers().isEmpty();
            for (Partition partition : client.getPartitionService().getPartitions()) {
                if (!known || partition.getOwner() == null) {
                    known = false;
                    break;
                }
            }
            if (known) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
    }
}
