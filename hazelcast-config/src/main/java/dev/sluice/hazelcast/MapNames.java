package dev.sluice.hazelcast;

/**
 * The names of the Hazelcast structures Sluice keeps its cluster state in, and the shape of their keys. A member
 * configuration that is not Sluice's default must configure these names as {@code sluice-member-default.yaml} does
 * (backups, the audit's capacity); {@link SplitBrain} gives each its merge policy.
 */
final class MapNames {
    /** Bucket4j buckets, one per (policy, key); {@link ClusterBuckets}. */
    static final String BUCKETS = "sluice-buckets";
    /** Lease semaphores with their FIFO waiters, one per (policy, key); {@link SemaphoreOps}. */
    static final String SEMAPHORES = "sluice-semaphores";
    /** The fair lines of cluster rate queues with {@code fair-by}, one per (policy, key); {@link RateLineOps}. */
    static final String RATE_LINES = "sluice-rate-lines";
    /** The replicated policy set, one entry; {@link HazelcastPolicyStore}. */
    static final String POLICIES = "sluice-policies";
    /** Top-keys snapshots, one per (policy, node); {@link HazelcastSketchExchange}. */
    static final String TOP_KEYS = "sluice-top-keys";
    /** The management audit, a Ringbuffer; {@link HazelcastAuditStore}. */
    static final String AUDIT = "sluice-audit";
    /** Candidate policies, one per policy, expiring with the candidate; {@link HazelcastCandidateStore}. */
    static final String CANDIDATES = "sluice-candidates";
    /** Each node's candidate counts, one per (policy, node); {@link HazelcastCandidateStore}. */
    static final String CANDIDATE_COUNTS = "sluice-candidate-counts";

    /** Between the policy's name and the rest of a key ({@code policy U+001F key}): sorts before any character. */
    static final char SEPARATOR = '\u001f';
    /** The query attribute of an entry's key (Hazelcast's {@code QueryConstants.KEY_ATTRIBUTE_NAME}). */
    static final String KEY_ATTRIBUTE = "__key";

    private MapNames() {}
}
