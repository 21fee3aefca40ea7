package dev.sluice.core.spi;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Where candidate policies live for every node, and where the nodes leave their candidate counts for each other.
 * Each node follows the candidates ({@link #subscribe}) and evaluates them on its own requests with state of its own;
 * a read of a candidate's counts adds up every node's latest publication. A candidate is removed by the store itself
 * once it expires. Thread-safe; only {@link #put} and {@link #remove} may wait for the cluster (they return futures).
 */
public interface CandidateStore {
    /** Stores (replaces) the candidate of {@code candidate.policy()}; completes when it is stored. */
    CompletableFuture<Void> put(StoredCandidate candidate);

    /** Removes the candidate of {@code policy}; completes with what was removed. */
    CompletableFuture<Optional<StoredCandidate>> remove(String policy);

    /** The candidate of {@code policy} as this node last saw it, expired or not. */
    Optional<StoredCandidate> get(String policy);

    /**
     * Calls {@code listener} with every candidate (by policy name) now, and again after every change. The listener
     * must not block. Returns a handle that unsubscribes.
     */
    AutoCloseable subscribe(Consumer<Map<String, StoredCandidate>> listener);

    /** This node's name among the publishers (unique in the cluster while it runs). */
    String node();

    /** Replaces this node's counts of {@code policy}'s candidate. Asynchronous; a failure is logged. */
    void publish(String policy, String counts);

    /** Removes this node's counts of {@code policy}'s candidate. Asynchronous. */
    void withdraw(String policy);

    /** Every node's latest counts of {@code policy}'s candidate, by node name (this node's included if published). */
    CompletableFuture<Map<String, String>> counts(String policy);
}
