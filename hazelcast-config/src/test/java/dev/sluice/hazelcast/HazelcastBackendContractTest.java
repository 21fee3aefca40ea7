package dev.sluice.hazelcast;

import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.BackendContract;
import dev.sluice.core.testkit.ManualScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The backend contract on a 2-member cluster: the backend runs on the second member, so half the keys are remote. */
class HazelcastBackendContractTest extends BackendContract {
    private static TestCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = TestCluster.of(2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected Backend createBackend(ManualScheduler time) {
        return new HazelcastBackend(cluster.members.get(1), time, TestCluster.PATIENT);
    }
}
