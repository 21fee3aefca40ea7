package dev.sluice.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.Ticker;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;

/**
 * What a cluster-scope policy ({@link HazelcastPolicyLimiter}) uses of its node, given to it when it is bound: the
 * node's services, shared by all its policies, and owned (closed) by the {@link HazelcastBackend}.
 *
 * @param hazelcast  the instance, for the key pages' queries
 * @param scheduler  every timer runs on it
 * @param clock      "now" as every node of the cluster means it ({@link ClusterClock}), for times kept in the cluster
 * @param calls      the cluster calls, request-path ones guarded
 * @param reads      the threads of the blocking management reads
 * @param buckets    Bucket4j's proxy manager over {@value MapNames#BUCKETS}
 * @param semaphores this node's side of the semaphores in {@value MapNames#SEMAPHORES}
 * @param versions   the versions of policy definitions
 */
record ClusterServices(HazelcastInstance hazelcast, Scheduler scheduler, Ticker clock, ClusterCalls calls,
        ClusterReads reads, AsyncProxyManager<String> buckets, SemaphoreClient semaphores, PolicyVersions versions) {
}
