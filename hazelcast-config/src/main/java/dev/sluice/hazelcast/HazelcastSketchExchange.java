package dev.sluice.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import dev.sluice.core.spi.SketchExchange;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Top-keys snapshots in IMap {@value MapNames#TOP_KEYS}: one entry per (policy, node), keyed
 * {@code policy U+001F node}, each a plain {@code byte[]} (no Sluice class on the members for this map) with a
 * time-to-live of {@value #EXPIRY_SECONDS} s that every publication renews, so a node that left or died drops out by
 * itself. Memory in the cluster: one snapshot per policy and node, each at most 6 tallies of at most 128 keys.
 *
 * <p>Why a map and not a call to every node: a node may be a Hazelcast client (client mode), which no member can
 * call; every node, member or client, can write a map. A read is one query over this small map, on
 * {@link ClusterReads}' threads. Thread-safe; no method blocks.
 */
final class HazelcastSketchExchange implements SketchExchange {
    static final int EXPIRY_SECONDS = 30;
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastSketchExchange.class);

    private final IMap<String, byte[]> map;
    private final String node;
    private final ClusterReads reads;

    HazelcastSketchExchange(HazelcastInstance hazelcast, ClusterReads reads) {
        this.map = hazelcast.getMap(MapNames.TOP_KEYS);
        this.node = hazelcast.getLocalEndpoint().getUuid().toString();
        this.reads = reads;
    }

    @Override
    public String node() {
        return node;
    }

    @Override
    public void publish(String policy, byte[] snapshot) {
        map.setAsync(policy + MapNames.SEPARATOR + node, snapshot, EXPIRY_SECONDS, TimeUnit.SECONDS)
                .whenComplete((done, failure) -> {
                    if (failure != null) {
                        LOG.debug("Could not publish the top keys of '{}': {}", policy, failure.toString());
                    }
                });
    }

    @Override
    public void withdraw(String policy) {
        map.deleteAsync(policy + MapNames.SEPARATOR + node);
    }

    @Override
    public CompletableFuture<Map<String, byte[]>> snapshots(String policy) {
        String from = policy + MapNames.SEPARATOR;
        // every key of the policy, and no other policy's, sorts in [policy U+001F, policy U+0020)
        String to = policy + (char) (MapNames.SEPARATOR + 1);
        return reads.run(() -> {
            Map<String, byte[]> byNode = new HashMap<>();
            for (Map.Entry<String, byte[]> entry : map.entrySet(Predicates.and(
                    Predicates.greaterEqual(MapNames.KEY_ATTRIBUTE, from),
                    Predicates.lessThan(MapNames.KEY_ATTRIBUTE, to)))) {
                byNode.put(entry.getKey().substring(from.length()), entry.getValue());
            }
            return byNode;
        });
    }

    @Override
    public long expiryMillis() {
        return TimeUnit.SECONDS.toMillis(EXPIRY_SECONDS);
    }
}
