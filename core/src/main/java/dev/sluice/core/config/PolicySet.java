package dev.sluice.core.config;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The policies of one deployment, in declaration order (the order they apply in), plus the proxies whose
 * forwarding headers are believed.
 *
 * @param policies       unique by name
 * @param trustedProxies CIDRs or addresses, e.g. {@code 10.0.0.0/8}, {@code ::1}; empty means none
 */
public record PolicySet(List<Policy> policies, List<String> trustedProxies) {
    public static final PolicySet EMPTY = new PolicySet(List.of(), List.of());

    public PolicySet {
        policies = List.copyOf(policies);
        trustedProxies = List.copyOf(trustedProxies == null ? List.of() : trustedProxies);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < policies.size(); i++) {
            String name = policies.get(i).name();
            if (!names.add(name)) {
                throw new FieldException("policies[" + i + "].name", "must be unique; another policy has it", name);
            }
        }
    }

    public PolicySet(List<Policy> policies) {
        this(policies, List.of());
    }

    public Optional<Policy> find(String name) {
        return policies.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
