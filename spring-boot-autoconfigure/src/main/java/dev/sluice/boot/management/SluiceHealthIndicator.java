package dev.sluice.boot.management;

import dev.sluice.core.Sluice;
import dev.sluice.core.spi.BackendHealth;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Sluice's part of {@code /actuator/health} ({@code sluice}): each backend's state and figures. A backend that is
 * DOWN makes it DOWN; one answering through its failure rule ({@code DEGRADED}: the cluster is unreachable and
 * policies follow {@code on-backend-failure}) makes it {@code sluice.management.health.degraded-status}, by default
 * {@code OUT_OF_SERVICE}, which Boot answers with 503 and ranks below DOWN. Reads this node's state only; never waits
 * for the cluster.
 */
public final class SluiceHealthIndicator implements HealthIndicator {
    private final Sluice sluice;
    private final Status degraded;

    public SluiceHealthIndicator(Sluice sluice, String degradedStatus) {
        this.sluice = sluice;
        this.degraded = new Status(degradedStatus);
    }

    @Override
    public Health health() {
        Status status = Status.UP;
        Map<String, Object> backends = new LinkedHashMap<>();
        for (BackendHealth backend : sluice.health()) {
            if (backend.status() == BackendHealth.Status.DOWN) {
                status = Status.DOWN;
            } else if (backend.status() == BackendHealth.Status.DEGRADED && status == Status.UP) {
                status = degraded;
            }
            Map<String, Object> view = new LinkedHashMap<>(backend.details());
            view.put("status", backend.status().name());
            backends.put(backend.backend(), view);
        }
        return Health.status(status).withDetail("policies", sluice.policies().size())
                .withDetail("backends", backends).build();
    }
}
