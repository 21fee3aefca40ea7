package dev.sluice.filter;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Match;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import java.util.List;
import java.util.Set;

/** Small helpers to build the policies of the integration tests in code. */
final class Policies {
    private Policies() {}

    static Match paths(String... patterns) {
        return new Match(List.of(patterns), Set.of(), List.of());
    }

    static Sluice sluice(Policy... policies) {
        return Sluice.builder().policies(new PolicySet(List.of(policies))).build();
    }
}
