package dev.sluice.boot;

import dev.sluice.core.DecisionTrace;
import dev.sluice.core.Sluice;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;

/**
 * The engine, shared by the servlet starter and the gateway: a {@link Sluice} built from {@code sluice.config} or
 * {@code sluice.policies} plus what the adapter's {@link RoutePolicySource}s define at start-up, recording its metrics
 * into the application's {@link MeterRegistry} (its own Prometheus registry when the application has none), with a
 * cluster when a policy needs one (see {@link SluiceCluster}). A bad definition fails start-up. An application that
 * defines its own {@link Sluice} bean keeps it.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.hazelcast.autoconfigure.HazelcastAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass(Sluice.class)
@ConditionalOnBooleanProperty(name = "sluice.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SluiceProperties.class)
public class SluiceAutoConfiguration {

    /** Reuses the application's Hazelcast instance for cluster scope, when it has one and sluice-hazelcast is here. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"com.hazelcast.core.HazelcastInstance", "dev.sluice.hazelcast.HazelcastCluster"})
    static class HazelcastReuseConfiguration {
        @Bean
        @ConditionalOnBean(type = "com.hazelcast.core.HazelcastInstance")
        @ConditionalOnMissingBean
        ExistingCluster sluiceExistingHazelcast(ObjectProvider<com.hazelcast.core.HazelcastInstance> instance) {
            return options -> new HazelcastInstanceCluster(instance.getObject(), options);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(Sluice.class)
    public static class EngineConfiguration {
        @Bean
        @ConditionalOnMissingBean
        SluicePolicies sluicePolicies(SluiceProperties properties, ObjectProvider<RoutePolicySource> routes,
                ResourceLoader resources, Environment environment) {
            return SluicePolicies.read(properties, SluicePolicies.definitions(environment), startupRoutes(routes),
                    loader(resources));
        }

        @Bean(destroyMethod = "close")
        SluiceCluster sluiceCluster(SluiceProperties properties, SluicePolicies policies, Environment environment,
                ResourceLoader resources, ObjectProvider<ExistingCluster> existing) {
            return SluiceCluster.connectIfNeeded(properties.getCluster(), policies, environment, loader(resources),
                    existing.getIfUnique());
        }

        @Bean(destroyMethod = "close")
        Sluice sluice(SluicePolicies policies, SluiceCluster cluster, ObjectProvider<MeterRegistry> registry,
                SluiceProperties properties, Environment environment) {
            SluiceProperties.Trace trace = properties.getTrace();
            String secret = trace.getSecret() != null ? trace.getSecret()
                    : environment.getProperty("SLUICE_TRACE_SECRET");
            DecisionTrace decisionTrace;
            try {
                decisionTrace = DecisionTrace.of(trace.getHeader(), secret);
            } catch (IllegalArgumentException bad) {
                throw new IllegalStateException("sluice.trace: " + bad.getMessage().replace("trace-", ""), bad);
            }
            Sluice.Builder builder = Sluice.builder()
                    .policies(policies.all())
                    .source(policies.source())
                    .cluster(cluster.connection())
                    .decisionTrace(decisionTrace);
            MeterRegistry meters = registry.getIfUnique();
            if (meters != null) {
                builder.meterRegistry(meters);
            }
            return builder.build();
        }

        /** What the start-up routes of every {@link RoutePolicySource} bind, merged. */
        public static StartupRoutes startupRoutes(ObjectProvider<RoutePolicySource> sources) {
            return StartupRoutes.merge(sources.orderedStream().map(RoutePolicySource::startupRoutes).toList());
        }

        private static ClassLoader loader(ResourceLoader resources) {
            ClassLoader loader = resources.getClassLoader();
            return loader != null ? loader : SluiceAutoConfiguration.class.getClassLoader();
        }
    }
}
