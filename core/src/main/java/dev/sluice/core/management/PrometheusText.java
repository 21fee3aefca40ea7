package dev.sluice.core.management;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Optional;

/**
 * Prometheus text when {@code io.micrometer:micrometer-registry-prometheus} is on the class path, which sluice-core
 * does not require (it depends on {@code micrometer-core} only). Every reference to the registry's classes stays in
 * the nested {@link Present} class, which is loaded only once the registry is known to be there.
 */
public final class PrometheusText {
    /** The coordinates to add for Prometheus text, named in the management API's answer when they are missing. */
    public static final String ARTIFACT = "io.micrometer:micrometer-registry-prometheus";

    private static final boolean AVAILABLE = available();

    private PrometheusText() {}

    /** Whether the Prometheus registry and what it needs can be loaded. */
    public static boolean isAvailable() {
        return AVAILABLE;
    }

    /** A new Prometheus registry when available, else a {@link SimpleMeterRegistry} (metrics kept, not exposed). */
    public static MeterRegistry defaultRegistry() {
        return AVAILABLE ? Present.newRegistry() : new SimpleMeterRegistry();
    }

    /**
     * {@code GET /metrics}: the registry's metrics in Prometheus text; a 404 problem saying what to add when the
     * Prometheus registry is missing, or where to look when the application's registry is another kind.
     */
    static ManagementResponse answer(MeterRegistry registry) {
        if (!AVAILABLE) {
            return Problems.of(404, "no-prometheus-registry", "Prometheus text needs micrometer-registry-prometheus",
                    "Sluice's metrics are recorded, but Prometheus text needs " + ARTIFACT + " on the application's "
                            + "class path (the version of its Micrometer); add that dependency, or read the metrics "
                            + "where the application exposes its MeterRegistry.");
        }
        return Present.scrape(registry)
                .map(text -> ManagementResponse.text(200, "text/plain; version=0.0.4; charset=utf-8", text))
                .orElseGet(() -> Problems.of(404, "no-prometheus", "Metrics are in the application's registry",
                        "Sluice records into the application's MeterRegistry, which is not a Prometheus registry; "
                                + "read the metrics where the application exposes them."));
    }

    private static boolean available() {
        try {
            Class.forName("io.micrometer.prometheusmetrics.PrometheusMeterRegistry", false,
                    PrometheusText.class.getClassLoader());
            Class.forName("io.prometheus.metrics.model.registry.PrometheusRegistry", false,
                    PrometheusText.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError missing) {
            return false;
        }
    }

    private static final class Present {
        static MeterRegistry newRegistry() {
            return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        }

        static Optional<String> scrape(MeterRegistry registry) {
            return registry instanceof PrometheusMeterRegistry prometheus
                    ? Optional.of(prometheus.scrape()) : Optional.empty();
        }
    }
}
