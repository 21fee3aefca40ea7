package dev.sluice.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.BackendContract;
import dev.sluice.core.testkit.ManualScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The backend contract through a client of a 2-member cluster: every processor and every answer crosses the wire,
 * and no member runs a Sluice node (no member sweeps), as in client mode against an external cluster.
 */
class HazelcastClientContractTest extends BackendContract {
    private static TestCluster cluster;
    private static HazelcastInstance client;

    @BeforeAll
    static void startCluster() {
        cluster = TestCluster.of(2);
        client = HazelcastCluster.startClient(HazelcastCluster.clientConfig(cluster.clientSettings()));
    }

    @AfterAll
    static void stopCluster() {
        if (client != null) {
            client.shutdown();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected Backend createBackend(ManualScheduler time) {
        return new HazelcastBackend(client, time, TestCluster.PATIENT);
    }
}
