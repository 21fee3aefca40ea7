package dev.sluice.boot.management;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Rate;
import dev.sluice.core.local.LocalPolicyStore;
import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.BackendHealth;
import dev.sluice.core.spi.ClusterConnection;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.spi.PolicyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** The health contributor: UP, DOWN, and DEGRADED as the configured status users alert on. */
class SluiceHealthIndicatorTest {

    /** A cluster whose backend reports a fixed state; node-scope policies never reach it. */
    private static final class FixedCluster implements ClusterConnection, Backend {
        private final BackendHealth.Status status;
        private final LocalPolicyStore store = new LocalPolicyStore();

        FixedCluster(BackendHealth.Status status) {
            this.status = status;
        }

        @Override
        public Backend backend() {
            return this;
        }

        @Override
        public PolicyStore policyStore() {
            return store;
        }

        @Override
        public String name() {
            return "hazelcast";
        }

        @Override
        public PolicyLimiter bind(Policy policy) {
            throw new UnsupportedOperationException("node-scope policies only");
        }

        @Override
        public BackendHealth health() {
            return new BackendHealth("hazelcast", status, Map.of("members", 1, "breaker", "OPEN"));
        }

        @Override
        public void close() {
            store.close();
        }
    }

    private static Health health(BackendHealth.Status cluster, String degradedStatus) {
        try (Sluice sluice = Sluice.builder().policies(new PolicySet(List.of(Policy.builder("p")
                .rate(new Rate(1, Duration.ofMinutes(1))).build()))).cluster(new FixedCluster(cluster)).build()) {
            return new SluiceHealthIndicator(sluice, degradedStatus).health();
        }
    }

    @Test
    void upWhenEveryBackendIsUp() {
        Health health = health(BackendHealth.Status.UP, "OUT_OF_SERVICE");
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("policies", 1).containsKey("backends");
    }

    @Test
    void degradedIsOutOfServiceByDefaultWithTheBackendsDetails() {
        Health health = health(BackendHealth.Status.DEGRADED, "OUT_OF_SERVICE");
        assertThat(health.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
        assertThat(health.getDetails().get("backends").toString()).contains("breaker=OPEN", "status=DEGRADED");
    }

    @Test
    void degradedTakesTheConfiguredStatus() {
        assertThat(health(BackendHealth.Status.DEGRADED, "UP").getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void downIsDown() {
        assertThat(health(BackendHealth.Status.DOWN, "OUT_OF_SERVICE").getStatus()).isEqualTo(Status.DOWN);
    }
}
