package dev.sluice.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.sluice.core.Admission;
import dev.sluice.core.Sluice;
import dev.sluice.hazelcast.HazelcastCluster;
import dev.sluice.hazelcast.SluiceSerialization;
import java.net.ServerSocket;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Cluster scope: the application's HazelcastInstance is reused; without one, the embedded default member starts. */
class ClusterAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class))
            .withPropertyValues("sluice.policies[0].name=shared", "sluice.policies[0].scope=cluster",
                    "sluice.policies[0].rate.limit=1", "sluice.policies[0].rate.period=1h");

    @Configuration(proxyBeanMethods = false)
    static class OwnHazelcast {
        @Bean(destroyMethod = "shutdown")
        HazelcastInstance hazelcast() throws Exception {
            Config config = new Config().setClusterName("gateway-test-" + UUID.randomUUID());
            config.setProperty("hazelcast.phone.home.enabled", "false");
            config.getNetworkConfig().setPort(freePort()).setPortAutoIncrement(false);
            config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
            config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
            config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
            SluiceSerialization.register(config.getSerializationConfig());
            return Hazelcast.newHazelcastInstance(config);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class HazelcastWithoutSluiceSerialization {
        @Bean(destroyMethod = "shutdown")
        HazelcastInstance hazelcast() throws Exception {
            Config config = new Config().setClusterName("gateway-test-" + UUID.randomUUID());
            config.setProperty("hazelcast.phone.home.enabled", "false");
            config.getNetworkConfig().setPort(freePort()).setPortAutoIncrement(false);
            config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
            config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
            config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
            return Hazelcast.newHazelcastInstance(config);
        }
    }

    @Test
    void anApplicationInstanceWithoutExplicitRegistrationServesSluiceThroughTheClassPathHooks() {
        // Hazelcast loads Sluice's serializer hooks from the class path, so an instance whose configuration never
        // called SluiceSerialization.register still runs Sluice's processors (a member without the jar is refused
        // at start-up: ClusterCheckTest, StockMemberIT)
        runner.withUserConfiguration(HazelcastWithoutSluiceSerialization.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(Sluice.class).tryAcquire("shared", "k", 1).join().admitted()).isTrue();
        });
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void reusesTheApplicationsHazelcastInstanceAndLeavesItRunning() {
        HazelcastInstance[] used = new HazelcastInstance[1];
        runner.withUserConfiguration(OwnHazelcast.class).run(context -> {
            assertThat(context).hasNotFailed();
            SluiceCluster cluster = context.getBean(SluiceCluster.class);
            HazelcastInstance instance = context.getBean(HazelcastInstance.class);
            assertThat(cluster.connection()).isInstanceOf(HazelcastInstanceCluster.class);
            assertThat(((HazelcastInstanceCluster) cluster.connection()).instance()).isSameAs(instance);
            Sluice sluice = context.getBean(Sluice.class);
            Admission first = sluice.tryAcquire("shared", "k", 1).join();
            Admission second = sluice.tryAcquire("shared", "k", 1).join();
            assertThat(first.admitted()).isTrue();
            assertThat(second.admitted()).as("the bucket lives in the cluster").isFalse();
            cluster.close();
            assertThat(instance.getLifecycleService().isRunning()).as("not Sluice's to stop").isTrue();
            used[0] = instance;
        });
        assertThat(used[0].getLifecycleService().isRunning()).as("stopped by its own bean").isFalse();
    }

    @Test
    void startsTheEmbeddedDefaultMemberWhenTheApplicationHasNone() throws Exception {
        int port = freePort();
        runner.withPropertyValues("sluice.cluster.port=" + port).run(context -> {
            assertThat(context).hasNotFailed();
            SluiceCluster cluster = context.getBean(SluiceCluster.class);
            assertThat(cluster.connection()).isInstanceOf(HazelcastCluster.class);
            HazelcastInstance member = ((HazelcastCluster) cluster.connection()).instance();
            assertThat(member.getCluster().getLocalMember().getAddress().getPort()).isEqualTo(port);
            assertThat(context.getBean(Sluice.class).tryAcquire("shared", "k", 1).join().admitted()).isTrue();
        });
    }

    @Test
    void nodeScopePoliciesNeedNoCluster() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class))
                .withPropertyValues("sluice.policies[0].name=local", "sluice.policies[0].rate.limit=1",
                        "sluice.policies[0].rate.period=1h")
                .run(context -> assertThat(context.getBean(SluiceCluster.class).connection()).isNull());
    }

    @Test
    void anInvalidClusterPortFailsStartUp() {
        runner.withPropertyValues("sluice.cluster.port=70000").run(context -> assertThat(context).hasFailed()
                .getFailure().rootCause().hasMessageContaining("sluice.cluster.port"));
    }

    @Test
    void clusterOptionsApplyToTheApplicationsInstanceToo() {
        runner.withUserConfiguration(OwnHazelcast.class).withPropertyValues("sluice.cluster.options.breaker-open=0s")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessage("hazelcast option breaker-open must be from 1ms to 1h, got 0ms"));
    }

    @Test
    void clusterOptionsReachTheProviderWhichChecksThem() throws Exception {
        runner.withPropertyValues("sluice.cluster.port=" + freePort(), "sluice.cluster.options.timeout=fast")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessage("hazelcast option timeout must be a duration such as 250ms, 1s, 5m, 1h or 1d, "
                                + "got 'fast'"));
    }

}
