package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.time.SystemScheduler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class BreakerMetricsTest {
    @Test
    void theCircuitBreakerOfTheClusterBackendIsInTheApplicationsRegistry() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TestCluster cluster = TestCluster.of(1);
                HazelcastCluster node = HazelcastCluster.over(cluster.members.get(0), new SystemScheduler());
                Sluice sluice = Sluice.builder().cluster(node).meterRegistry(registry)
                        .policies(new PolicySet(List.of())).build()) {
            assertThat(registry.find("resilience4j.circuitbreaker.state").tag("name", "hazelcast")
                    .tag("state", "closed").gauge()).isNotNull();
            assertThat(registry.get("resilience4j.circuitbreaker.state").tag("state", "closed").gauge().value())
                    .isEqualTo(1.0);
        }
    }
}
