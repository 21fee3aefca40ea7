package dev.sluice.core.spi;

import dev.sluice.core.config.Policy;

/**
 * A policy as a {@link PolicyStore} holds it.
 *
 * @param policy  the definition
 * @param version the store-wide revision at which it was written; strictly increasing across all writes of a store,
 *                so a name deleted and created again never repeats an earlier version (ETags stay unambiguous)
 */
public record VersionedPolicy(Policy policy, long version) {
    public String name() {
        return policy.name();
    }
}
