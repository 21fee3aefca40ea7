package dev.sluice.core.local;

import dev.sluice.core.spi.CandidateStore;
import dev.sluice.core.spi.StoredCandidate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Candidates kept in this JVM, for a node without a cluster (or a cluster that stores none): this node is the only
 * one that evaluates them, so there are no other nodes' counts. Listeners are called on the writing thread, in the order of the writes.
 * Thread-safe.
 */
public final class LocalCandidateStore implements CandidateStore {
    private final Map<String, StoredCandidate> candidates = new TreeMap<>();
    private final List<Consumer<Map<String, StoredCandidate>>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<Void> put(StoredCandidate candidate) {
        synchronized (candidates) {
            candidates.put(candidate.policy(), candidate);
            notify(Map.copyOf(candidates));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Optional<StoredCandidate>> remove(String policy) {
        StoredCandidate removed;
        synchronized (candidates) {
            removed = candidates.remove(policy);
            if (removed != null) {
                notify(Map.copyOf(candidates));
            }
        }
        return CompletableFuture.completedFuture(Optional.ofNullable(removed));
    }

    @Override
    public Optional<StoredCandidate> get(String policy) {
        synchronized (candidates) {
            return Optional.ofNullable(candidates.get(policy));
        }
    }

    @Override
    public AutoCloseable subscribe(Consumer<Map<String, StoredCandidate>> listener) {
        listeners.add(listener);
        synchronized (candidates) {
            listener.accept(Map.copyOf(candidates));
        }
        return () -> listeners.remove(listener);
    }

    private void notify(Map<String, StoredCandidate> now) {
        for (Consumer<Map<String, StoredCandidate>> listener : listeners) {
            listener.accept(now);
        }
    }

    @Override
    public String node() {
        return "local";
    }

    @Override
    public void publish(String policy, String counts) {
        // no other node reads them
    }

    @Override
    public void withdraw(String policy) {
    }

    @Override
    public CompletableFuture<Map<String, String>> counts(String policy) {
        return CompletableFuture.completedFuture(Map.of());
    }
}
