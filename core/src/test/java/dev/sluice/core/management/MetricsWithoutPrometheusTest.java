package dev.sluice.core.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Rate;
import dev.sluice.core.testkit.ManualScheduler;
import dev.sluice.core.testkit.TestRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs in its own surefire execution whose class path leaves out micrometer-registry-prometheus (core's pom), as an
 * application that depends on sluice-core alone has it: Sluice still starts and records, and {@code GET /metrics}
 * says what to add.
 */
class MetricsWithoutPrometheusTest {
    @Test
    void withoutThePrometheusRegistrySluiceRecordsAndMetricsSaysWhatToAdd() {
        assertThatThrownBy(() -> Class.forName("io.micrometer.prometheusmetrics.PrometheusMeterRegistry"))
                .as("this test's class path must not have the Prometheus registry")
                .isInstanceOf(ClassNotFoundException.class);
        assertThat(PrometheusText.isAvailable()).isFalse();

        ManualScheduler time = new ManualScheduler();
        try (Sluice sluice = Sluice.builder().scheduler(time).policies(new PolicySet(List.of(
                Policy.builder("api").rate(new Rate(10, Duration.ofSeconds(1))).build()))).build();
                ManagementService service = new ManagementService(sluice, ManagementSettings.withToken("t0ken"))) {
            sluice.admit(TestRequest.get("/x")).join().release();
            assertThat(sluice.meterRegistry().find("sluice.requests").counters()).isNotEmpty();

            ManagementResponse answer = ManagementCall.get("/metrics").send(service);
            assertThat(answer.status()).isEqualTo(404);
            assertThat(new String(answer.body(), StandardCharsets.UTF_8))
                    .contains("no-prometheus-registry", "io.micrometer:micrometer-registry-prometheus");
        }
    }
}
