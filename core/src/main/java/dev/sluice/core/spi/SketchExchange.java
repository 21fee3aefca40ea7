package dev.sluice.core.spi;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Where the nodes of a cluster leave their top-keys sketches for each other: each node publishes, per policy, one
 * snapshot ({@link dev.sluice.core.top.KeySketches#snapshot()}) that replaces its previous one and expires when the
 * node stops publishing (it left or died), and a reader merges the latest snapshot of every node. Snapshots are
 * opaque bytes here. Thread-safe; no method blocks.
 */
public interface SketchExchange {
    /** This node's name in the exchange (unique in the cluster while it runs). */
    String node();

    /** Replaces this node's snapshot of {@code policy}. Asynchronous; a failure is logged and the next one retries. */
    void publish(String policy, byte[] snapshot);

    /** Removes this node's snapshot of {@code policy} (nothing counted any more). Asynchronous. */
    void withdraw(String policy);

    /** The latest unexpired snapshot of {@code policy} of every node that published one, by node name. */
    CompletableFuture<Map<String, byte[]>> snapshots(String policy);

    /** How long a snapshot lives unless replaced: a node that stops publishing drops out after this. */
    long expiryMillis();
}
