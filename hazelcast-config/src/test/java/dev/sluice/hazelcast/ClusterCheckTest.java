package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.Rate;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.time.SystemScheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Start-up refuses a cluster whose members cannot run Sluice's entry processors, saying what to do; a member given
 * Sluice's jars runs them with no configuration of Sluice's, and explicit registration on top of the class-path hooks
 * changes nothing.
 */
class ClusterCheckTest {
    @Test
    void aClientRefusesAStockMemberWithoutSluicesJars() throws Exception {
        try (StockMember plain = StockMember.hazelcastOnly()) {
            assertThatThrownBy(() -> HazelcastCluster.start(plain.clientSettings()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(plain.address().replace("127.0.0.1", "[127.0.0.1]"))
                    .hasMessageContaining("cannot run Sluice's entry processors")
                    .hasMessageContaining("sluice-hazelcast:<version>:member");
        }
    }

    @Test
    void aStockMemberGivenSluicesJarsServesLimitsToAClient() throws Exception {
        try (StockMember member = StockMember.withSluiceJars();
                HazelcastCluster client = HazelcastCluster.start(member.clientSettings())) {
            servesLimits(client);
        }
    }

    @Test
    void membersWithTheHooksAloneServeLimits() throws Exception {
        try (TestCluster plain = TestCluster.withoutExplicitRegistration(2);
                SystemScheduler time = new SystemScheduler();
                HazelcastCluster over = HazelcastCluster.over(plain.members.get(0), time)) {
            assertThat(SluiceSerialization.registered(plain.members.get(0).getConfig().getSerializationConfig()))
                    .isFalse();
            servesLimits(over);
        }
    }

    @Test
    void aClientOfMembersThatRegisterExplicitlyAsWellServesLimits() throws Exception {
        try (TestCluster external = TestCluster.of(2);
                HazelcastCluster client = HazelcastCluster.start(external.clientSettings())) {
            assertThat(SluiceSerialization.registered(external.members.get(0).getConfig().getSerializationConfig()))
                    .isTrue();
            servesLimits(client);
        }
    }

    /** A concurrency limit, a rate limit and the policy store, through {@code cluster}. */
    private static void servesLimits(HazelcastCluster cluster) throws Exception {
        PolicyLimiter permits = cluster.backend().bind(Policy.builder("one-at-a-time")
                .concurrency(new Concurrency(1)).build());
        PermitOutcome held = permits.acquire("k", 1, 0).get(10, TimeUnit.SECONDS);
        assertThat(held.granted()).isTrue();
        assertThat(permits.acquire("k", 1, 0).get(10, TimeUnit.SECONDS).granted()).isFalse();
        held.lease().release();
        permits.unbind();
        PolicyLimiter rate = cluster.backend().bind(Policy.builder("two-a-minute")
                .rate(new Rate(2, Duration.ofMinutes(1), 2)).build());
        assertThat(rate.consume("k", 1, 0).get(10, TimeUnit.SECONDS).consumed()).isTrue();
        assertThat(rate.consume("k", 1, 0).get(10, TimeUnit.SECONDS).consumed()).isTrue();
        assertThat(rate.consume("k", 1, 0).get(10, TimeUnit.SECONDS).consumed()).isFalse();
        rate.unbind();
        Policy stored = Policy.builder("stored").concurrency(new Concurrency(1)).build();
        assertThat(cluster.policyStore().initialize(List.of(stored))).singleElement()
                .satisfies(versioned -> assertThat(versioned.policy()).isEqualTo(stored));
    }
}
