package dev.sluice.core.spi;

import java.util.Map;

/**
 * A backend's state.
 *
 * @param backend the backend's name
 * @param status  {@code UP}, {@code DEGRADED} (answering through a failure rule) or {@code DOWN}
 * @param details figures worth showing, e.g. members seen, breaker state; values are strings or numbers
 */
public record BackendHealth(String backend, Status status, Map<String, Object> details) {
    public enum Status { UP, DEGRADED, DOWN }

    public BackendHealth {
        details = Map.copyOf(details);
    }
}
