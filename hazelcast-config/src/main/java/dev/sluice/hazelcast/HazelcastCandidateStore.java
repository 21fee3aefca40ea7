package dev.sluice.hazelcast;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.query.Predicates;
import dev.sluice.core.spi.CandidateStore;
import dev.sluice.core.spi.StoredCandidate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Candidate policies in IMap {@value #MAP}, one entry per policy ({@link StoredCandidate#encode()}, a plain string:
 * no Sluice class on the members for this map) whose time-to-live ends when the candidate expires, so the cluster
 * drops it by itself. Every node follows the map through an entry listener into a local copy, which {@link #get} and
 * the subscribers read; of two versions of one policy's candidate the later started wins, so an event that arrives
 * late never brings back an older one. The nodes' counts live in IMap {@value #COUNTS}, one entry per (policy, node)
 * with a time-to-live of {@value #COUNTS_EXPIRY_SECONDS} s that every publication renews, as the top-keys snapshots
 * do ({@link HazelcastSketchExchange}). Thread-safe; no method blocks, except the first read of the map at start.
 *
 * <p>Not reconciled after a split cluster merges or a client reconnects: a candidate missed then is seen at its next
 * write, and every candidate ends at its expiry anyway.
 */
final class HazelcastCandidateStore implements CandidateStore, AutoCloseable {
    static final String MAP = MapNames.CANDIDATES;
    static final String COUNTS = MapNames.CANDIDATE_COUNTS;
    static final int COUNTS_EXPIRY_SECONDS = 30;
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastCandidateStore.class);
    private static final char SEPARATOR = MapNames.SEPARATOR;
    private static final String KEY = MapNames.KEY_ATTRIBUTE;

    private final IMap<String, String> map;
    private final IMap<String, String> counts;
    private final String node;
    private final ClusterReads reads;
    private final Map<String, StoredCandidate> seen = new HashMap<>();
    private final List<Consumer<Map<String, StoredCandidate>>> listeners = new CopyOnWriteArrayList<>();
    private final UUID registration;

    HazelcastCandidateStore(HazelcastInstance hazelcast, ClusterReads reads) {
        this.map = hazelcast.getMap(MAP);
        this.counts = hazelcast.getMap(COUNTS);
        this.node = hazelcast.getLocalEndpoint().getUuid().toString();
        this.reads = reads;
        this.registration = map.addEntryListener(new Listener(), true);
        for (Map.Entry<String, String> entry : map.entrySet()) {
            arrived(entry.getValue());
        }
    }

    @Override
    public CompletableFuture<Void> put(StoredCandidate candidate) {
        long ttl = Math.max(1, candidate.expiresAtMillis() - System.currentTimeMillis());
        try {
            return map.setAsync(candidate.policy(), candidate.encode(), ttl, TimeUnit.MILLISECONDS)
                    .toCompletableFuture().thenRun(() -> arrived(candidate.encode()));
        } catch (RuntimeException failure) {
            return CompletableFuture.failedFuture(failure);
        }
    }

    @Override
    public CompletableFuture<Optional<StoredCandidate>> remove(String policy) {
        try {
            return map.removeAsync(policy).toCompletableFuture().thenApply(old -> {
                if (old == null) {
                    return Optional.empty();
                }
                left(old);
                return Optional.of(StoredCandidate.decode(old));
            });
        } catch (RuntimeException failure) {
            return CompletableFuture.failedFuture(failure);
        }
    }

    @Override
    public synchronized Optional<StoredCandidate> get(String policy) {
        return Optional.ofNullable(seen.get(policy));
    }

    @Override
    public synchronized AutoCloseable subscribe(Consumer<Map<String, StoredCandidate>> listener) {
        listeners.add(listener);
        listener.accept(Map.copyOf(seen));
        return () -> listeners.remove(listener);
    }

    /** A candidate was written: it replaces what this node saw of that policy unless that started later. */
    private synchronized void arrived(String encoded) {
        StoredCandidate candidate;
        try {
            candidate = StoredCandidate.decode(encoded);
        } catch (IllegalArgumentException unreadable) {
            LOG.warn("Sluice: an unreadable candidate in map {}: {}", MAP, unreadable.getMessage());
            return;
        }
        StoredCandidate known = seen.get(candidate.policy());
        if (known != null && (known.id().equals(candidate.id())
                || known.startedAtMillis() > candidate.startedAtMillis())) {
            return;
        }
        seen.put(candidate.policy(), candidate);
        changed();
    }

    /** A candidate was removed or expired: forgotten, unless this node already saw a newer one of that policy. */
    private synchronized void left(String encoded) {
        if (encoded == null) {
            return;
        }
        StoredCandidate candidate;
        try {
            candidate = StoredCandidate.decode(encoded);
        } catch (IllegalArgumentException unreadable) {
            return;
        }
        StoredCandidate known = seen.get(candidate.policy());
        if (known != null && known.id().equals(candidate.id())) {
            seen.remove(candidate.policy());
            changed();
        }
    }

    private void changed() {
        Map<String, StoredCandidate> now = Map.copyOf(seen);
        for (Consumer<Map<String, StoredCandidate>> listener : listeners) {
            try {
                listener.accept(now);
            } catch (RuntimeException failure) {
                LOG.error("A candidate store subscriber failed", failure);
            }
        }
    }

    private final class Listener implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
            EntryRemovedListener<String, String>, EntryExpiredListener<String, String> {
        @Override
        public void entryAdded(EntryEvent<String, String> event) {
            arrived(event.getValue());
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> event) {
            arrived(event.getValue());
        }

        @Override
        public void entryRemoved(EntryEvent<String, String> event) {
            left(event.getOldValue());
        }

        @Override
        public void entryExpired(EntryEvent<String, String> event) {
            left(event.getOldValue());
        }
    }

    @Override
    public String node() {
        return node;
    }

    @Override
    public void publish(String policy, String text) {
        counts.setAsync(policy + SEPARATOR + node, text, COUNTS_EXPIRY_SECONDS, TimeUnit.SECONDS)
                .whenComplete((done, failure) -> {
                    if (failure != null) {
                        LOG.debug("Could not publish the candidate counts of '{}': {}", policy, failure.toString());
                    }
                });
    }

    @Override
    public void withdraw(String policy) {
        counts.deleteAsync(policy + SEPARATOR + node);
    }

    @Override
    public CompletableFuture<Map<String, String>> counts(String policy) {
        String from = policy + SEPARATOR;
        // every key of the policy, and no other policy's, sorts in [policy U+001F, policy U+0020)
        String to = policy + (char) (SEPARATOR + 1);
        return reads.run(() -> {
            Map<String, String> byNode = new HashMap<>();
            for (Map.Entry<String, String> entry : counts.entrySet(Predicates.and(
                    Predicates.greaterEqual(KEY, from), Predicates.lessThan(KEY, to)))) {
                byNode.put(entry.getKey().substring(from.length()), entry.getValue());
            }
            return byNode;
        });
    }

    /** Stops following the map. */
    @Override
    public void close() {
        try {
            map.removeEntryListener(registration);
        } catch (RuntimeException gone) {
            // the instance is already shut down
        }
    }
}
