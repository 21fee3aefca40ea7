package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.boot.SluiceAutoConfiguration;
import dev.sluice.boot.SluicePolicies;
import dev.sluice.boot.SluiceProperties;
import dev.sluice.boot.management.SluiceManagementAutoConfiguration;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Rate;
import dev.sluice.core.management.ManagementService;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Every condition of the auto-configuration, in an application context without a web server. */
class SluiceAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class,
                    SluiceRoutesAutoConfiguration.class, SluiceGatewayAutoConfiguration.class,
                    SluiceRateLimiterAutoConfiguration.class, SluiceManagementAutoConfiguration.class))
            .withUserConfiguration(GatewayRoutes.class);

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(GatewayProperties.class)
    static class GatewayRoutes {
    }

    private static final String ROUTE = "spring.cloud.gateway.server.webflux.routes[0].";

    @Test
    void startsEverythingByDefault() {
        runner.withPropertyValues("sluice.policies[0].name=api", "sluice.policies[0].rate.limit=10",
                "sluice.policies[0].rate.period=1s", "sluice.policies[0].match.paths[0]=/api/**",
                "sluice.policies[0].match.paths[1]=/v2/**").run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(Sluice.class)
                            .hasSingleBean(SluiceGatewayFilterFactory.class).hasSingleBean(SluiceGlobalFilter.class)
                            .hasBean("sluiceRateLimiter").hasSingleBean(ManagementService.class);
                    Policy api = context.getBean(Sluice.class).policies().get(0).policy();
                    assertThat(api.rate().limit()).isEqualTo(10);
                    assertThat(api.match().paths()).containsExactly("/api/**", "/v2/**");
                    assertThat(context.getBean(SluiceGlobalFilter.class).isActive()).isTrue();
                });
    }

    @Test
    void backsOffWhenDisabled() {
        runner.withPropertyValues("sluice.enabled=false").run(context -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(Sluice.class).doesNotHaveBean(SluiceGatewayFilterFactory.class)
                .doesNotHaveBean("sluiceRateLimiter").doesNotHaveBean(ManagementService.class));
    }

    @Test
    void eachConcernHasItsOwnSwitch() {
        runner.withPropertyValues("sluice.global-filter.enabled=false", "sluice.rate-limiter.enabled=false",
                "sluice.management.enabled=false").run(context -> assertThat(context).hasNotFailed()
                        .hasSingleBean(Sluice.class).hasSingleBean(SluiceGatewayFilterFactory.class)
                        .doesNotHaveBean(SluiceGlobalFilter.class).doesNotHaveBean("sluiceRateLimiter")
                        .doesNotHaveBean(ManagementService.class));
    }

    @Test
    void withoutTheGatewayOnlyTheEngineAndManagementStart() {
        runner.withClassLoader(new FilteredClassLoader(GatewayFilterFactory.class, RateLimiter.class))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Sluice.class)
                        .doesNotHaveBean(SluiceGatewayFilterFactory.class).doesNotHaveBean("sluiceRateLimiter")
                        .hasSingleBean(ManagementService.class));
    }

    @Test
    void withoutTheRateLimiterSpiTheFiltersStillStart() {
        runner.withClassLoader(new FilteredClassLoader(RateLimiter.class))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(SluiceGatewayFilterFactory.class)
                        .doesNotHaveBean("sluiceRateLimiter"));
    }

    @Test
    void theRestRouterServesOnlyWhereActuatorIsAbsent() {
        ApplicationContextRunner withRouter = runner.withConfiguration(
                AutoConfigurations.of(SluiceManagementRouterAutoConfiguration.class));
        withRouter.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("sluiceManagementRoutes"));
        withRouter.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate.endpoint.annotation"))
                .run(context -> assertThat(context).hasNotFailed().hasBean("sluiceManagementRoutes"));
    }

    @Test
    void withoutTheCoreNothingStarts() {
        runner.withClassLoader(new FilteredClassLoader(Sluice.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(SluiceProperties.class)
                        .doesNotHaveBean("sluiceGatewayFilterFactory"));
    }

    @Test
    void theApplicationsOwnEngineWinsAndReceivesTheRoutesPolicies() {
        runner.withUserConfiguration(OwnSluice.class)
                .withPropertyValues(ROUTE + "id=mine", ROUTE + "uri=http://127.0.0.1:1", ROUTE + "predicates[0]=Path=/x/**",
                        ROUTE + "filters[0].name=Sluice", ROUTE + "filters[0].args.rate.limit=5",
                        ROUTE + "filters[0].args.rate.period=1m")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(Sluice.class)
                            .doesNotHaveBean(SluicePolicies.class);
                    Sluice own = context.getBean(OwnSluice.class).sluice;
                    assertThat(context.getBean(Sluice.class)).isSameAs(own);
                    assertThat(own.hasPolicy("route-mine")).isTrue();
                    assertThat(context.getBean(RouteBindings.class).isBound("route-mine")).isTrue();
                    assertThat(context.getBean(RouteBindings.class).isBound("own")).isFalse();
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnSluice {
        final Sluice sluice = Sluice.builder().policies(new PolicySet(List.of(
                Policy.builder("own").rate(new Rate(1, Duration.ofMinutes(1))).build()))).build();

        @Bean(destroyMethod = "close")
        Sluice sluice() {
            return sluice;
        }
    }

    @Test
    void anInvalidGlobalPolicyFailsStartUpNamingThePropertyAndField() {
        runner.withPropertyValues("sluice.policies[0].name=api", "sluice.policies[0].rate.limit=-5",
                "sluice.policies[0].rate.period=1s").run(context -> assertThat(context).hasFailed()
                        .getFailure().rootCause().hasMessageContaining("sluice.policies[0]")
                        .hasMessageContaining("rate.limit").hasMessageContaining("-5"));
    }

    @Test
    void anUnknownFieldFailsStartUp() {
        runner.withPropertyValues("sluice.policies[0].name=api", "sluice.policies[0].rate.limit=5",
                "sluice.policies[0].rate.period=1s", "sluice.policies[0].rate.lmit=5").run(context ->
                        assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("lmit"));
    }

    @Test
    void invalidInlineRouteArgsFailStartUpNamingTheRouteAndField() {
        runner.withPropertyValues(ROUTE + "id=api", ROUTE + "uri=http://127.0.0.1:1", ROUTE + "predicates[0]=Path=/x/**", ROUTE + "filters[0].name=Sluice",
                ROUTE + "filters[0].args.rate.limit=100", ROUTE + "filters[0].args.rate.period=1s",
                ROUTE + "filters[0].args.queue.depth=50", ROUTE + "filters[0].args.queue.max-wait=forever")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("route 'api', filter Sluice").hasMessageContaining("queue.max-wait")
                        .hasMessageContaining("forever"));
    }

    @Test
    void aRouteNamingAnUnknownPolicyFailsStartUp() {
        runner.withPropertyValues(ROUTE + "id=api", ROUTE + "uri=http://127.0.0.1:1", ROUTE + "predicates[0]=Path=/x/**", ROUTE + "filters[0]=Sluice=nope")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("route 'api', filter Sluice").hasMessageContaining("\"nope\""));
    }

    @Test
    void policyAndAnInlineDefinitionTogetherFailStartUp() {
        runner.withPropertyValues("sluice.policies[0].name=shared", "sluice.policies[0].rate.limit=5",
                "sluice.policies[0].rate.period=1s", ROUTE + "id=api", ROUTE + "uri=http://127.0.0.1:1", ROUTE + "predicates[0]=Path=/x/**",
                ROUTE + "filters[0].name=Sluice", ROUTE + "filters[0].args.policy=shared",
                ROUTE + "filters[0].args.rate.limit=5").run(context -> assertThat(context).hasFailed()
                        .getFailure().rootCause().hasMessageContaining("give one or the other"));
    }

    @Test
    void aConfigFileAndPropertyPoliciesTogetherFailStartUp() {
        runner.withPropertyValues("sluice.config=classpath:nowhere.yaml", "sluice.policies[0].name=a")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("cannot be combined with sluice.config"));
    }

    @Test
    void aMissingConfigFileFailsStartUp() {
        runner.withPropertyValues("sluice.config=classpath:nowhere.yaml").run(context -> assertThat(context)
                .hasFailed().getFailure().rootCause().hasMessageContaining("nowhere.yaml"));
    }

    @Test
    void theRateLimiterRefusesWhatItCannotRelease() {
        runner.withPropertyValues("sluice.rate-limiter.routes.api.concurrency.permits=5").run(context ->
                assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("sluice.rate-limiter.routes.api").hasMessageContaining("concurrency"));
    }

    @Test
    void aRouteUsingTheRateLimiterWithoutAPolicyFailsStartUp() {
        runner.withPropertyValues(ROUTE + "id=api", ROUTE + "uri=http://127.0.0.1:1", ROUTE + "predicates[0]=Path=/x/**",
                ROUTE + "filters[0].name=RequestRateLimiter",
                ROUTE + "filters[0].args.rate-limiter=#{@sluiceRateLimiter}").run(context -> assertThat(context)
                        .hasFailed().getFailure().rootCause().hasMessageContaining("sluice.rate-limiter.routes.api"));
    }

    @Test
    void theGlobalFilterIsIdleWhenEveryPolicyBelongsToARoute() {
        runner.withPropertyValues(ROUTE + "id=api", ROUTE + "uri=http://127.0.0.1:1", ROUTE + "predicates[0]=Path=/x/**", ROUTE + "filters[0].name=Sluice",
                ROUTE + "filters[0].args.rate.limit=5", ROUTE + "filters[0].args.rate.period=1s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(SluiceGlobalFilter.class).isActive()).isFalse();
                    assertThat(context.getBean(Sluice.class).hasPolicy("route-api")).isTrue();
                });
    }

    @Test
    void clusterScopeWithoutAClusterProviderFailsStartUpSayingWhatToAdd() {
        runner.withClassLoader(new FilteredClassLoader(
                new org.springframework.core.io.ClassPathResource("META-INF/services/dev.sluice.core.spi.ClusterProvider")))
                .withPropertyValues("sluice.policies[0].name=c", "sluice.policies[0].scope=cluster",
                        "sluice.policies[0].rate.limit=5", "sluice.policies[0].rate.period=1s")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("sluice-hazelcast"));
    }
}
