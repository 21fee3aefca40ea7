package dev.sluice.hazelcast;

import dev.sluice.core.config.Policy;
import java.util.OptionalLong;

/**
 * Where a backend learns the version of a policy definition: the revision at which the cluster's policy store wrote
 * it. Buckets and semaphores carry that version, so every node moves them to the same newest definition and none
 * moves them back.
 */
@FunctionalInterface
interface PolicyVersions {
    /** Knows no definition: versions then count this node's changes, which suits a backend used on its own. */
    PolicyVersions NONE = policy -> OptionalLong.empty();

    /** The store revision of exactly this definition (this instance, as the store handed it out), if known. */
    OptionalLong versionOf(Policy policy);

    /** The version of {@code policy}'s definition: the store's revision, or the next after {@code previous}. */
    default long versionOf(Policy policy, long previous) {
        return versionOf(policy).orElse(previous + 1);
    }
}
