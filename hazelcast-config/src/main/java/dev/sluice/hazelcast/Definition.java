package dev.sluice.hazelcast;

/**
 * What a semaphore entry follows: the full count, the lease time, the queue depth, and the version of the policy
 * definition they come from. Versions grow with every change (they are the policy store's revisions), so an entry
 * keeps the newest definition any node has shown it.
 */
record Definition(long version, long permits, long leaseNanos, int depth) {
}
