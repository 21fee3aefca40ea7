package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.time.SystemScheduler;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Start-up refuses a cluster whose members cannot run Sluice's entry processors, saying what to do. */
class ClusterCheckTest {
    @Test
    void aClientRefusesMembersWithoutSluicesSerializers() {
        try (TestCluster external = TestCluster.withoutSluiceSerializers(1)) {
            assertThatThrownBy(() -> HazelcastCluster.start(external.clientSettings()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(external.addresses().get(0).replace("127.0.0.1", "[127.0.0.1]"))
                    .hasMessageContaining("cannot run Sluice's entry processors")
                    .hasMessageContaining("SluiceSerialization.register");
        }
    }

    @Test
    void anInstanceStartedWithoutSluicesSerializersIsRefused() {
        try (TestCluster plain = TestCluster.withoutSluiceSerializers(1);
                SystemScheduler time = new SystemScheduler()) {
            assertThatThrownBy(() -> HazelcastCluster.over(plain.members.get(0), time))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("without Sluice's serializers")
                    .hasMessageContaining("SluiceSerialization.register");
        }
    }

    @Test
    void aClientOfMembersThatCarrySluiceServesLimits() throws Exception {
        try (TestCluster external = TestCluster.of(2);
                HazelcastCluster client = HazelcastCluster.start(external.clientSettings())) {
            PolicyLimiter limiter = client.backend().bind(Policy.builder("through-client")
                    .concurrency(new Concurrency(1)).build());
            PermitOutcome held = limiter.acquire("k", 1, 0).get(10, TimeUnit.SECONDS);
            assertThat(held.granted()).isTrue();
            assertThat(limiter.acquire("k", 1, 0).get(10, TimeUnit.SECONDS).granted()).isFalse();
            held.lease().release();
            limiter.unbind();
            Policy stored = Policy.builder("stored").concurrency(new Concurrency(1)).build();
            assertThat(client.policyStore().initialize(List.of(stored))).singleElement()
                    .satisfies(versioned -> assertThat(versioned.policy()).isEqualTo(stored));
        }
    }
}
