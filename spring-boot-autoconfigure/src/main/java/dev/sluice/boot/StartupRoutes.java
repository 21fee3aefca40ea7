package dev.sluice.boot;

import dev.sluice.core.config.Policy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Route-bound policies known at start-up.
 *
 * @param policies the routes' own (inline) policies
 * @param shared   names of shared policies that routes name, each with the route and filter naming it (for messages)
 */
public record StartupRoutes(List<Policy> policies, Map<String, String> shared) {
    public static final StartupRoutes NONE = new StartupRoutes(List.of(), Map.of());

    public StartupRoutes {
        policies = List.copyOf(policies);
        shared = Map.copyOf(shared);
    }

    public static StartupRoutes merge(Iterable<StartupRoutes> parts) {
        List<Policy> policies = new ArrayList<>();
        Map<String, String> shared = new LinkedHashMap<>();
        for (StartupRoutes part : parts) {
            for (Policy policy : part.policies()) {
                if (policies.stream().noneMatch(p -> p.name().equals(policy.name()))) {
                    policies.add(policy);
                }
            }
            part.shared().forEach(shared::putIfAbsent);
        }
        return new StartupRoutes(policies, shared);
    }
}
