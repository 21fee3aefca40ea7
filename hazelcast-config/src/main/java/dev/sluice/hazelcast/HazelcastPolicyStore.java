package dev.sluice.hazelcast;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicyParser;
import dev.sluice.core.config.PolicyWriter;
import dev.sluice.core.spi.PolicyStore;
import dev.sluice.core.spi.VersionConflictException;
import dev.sluice.core.spi.VersionedPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy store of a cluster: one entry of IMap {@value #MAP} ({@link StoredPolicies}) holding every policy as
 * JSON ({@link PolicyWriter}, read back with {@link PolicyParser}), written only by entry processors. So a write is
 * stored on the partition owner and its backup before {@link #put} returns; conditional writes from any nodes are
 * decided atomically there (compare-and-set on the version); versions are the store-wide revision, strictly
 * increasing. Every node's subscribers hear of every change, in order, through an entry listener (within
 * milliseconds on a LAN); a node that joins later reads the current set in {@link #initialize}, which seeds only an
 * empty store.
 *
 * <p><b>A cluster that starts again empty.</b> A client that reconnects ({@code CLIENT_CONNECTED} after a loss of
 * connection, or {@code CLIENT_CHANGED_CLUSTER}) seeds the store with the set it last saw, as {@link #initialize}
 * would: only an empty store is seeded (the first node to do so wins), so a cluster that kept its data is left as it
 * is, and one that was restarted gets the nodes' policies back (versions start over from 1).
 *
 * <p>Reads and writes wait for the cluster at most the timeout given (10 s by default) and then fail with an
 * {@link IllegalStateException}: they serve start-up and the management API, never a request. Subscribers are
 * called on a Hazelcast event thread and must not block. Thread-safe.
 */
public final class HazelcastPolicyStore implements PolicyStore {
    static final String MAP = "sluice-policies";
    /** How long a read or write waits for the cluster unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastPolicyStore.class);

    private final IMap<String, StoredPolicies> map;
    private final ClusterCalls calls;
    private final Duration timeout;
    private final PolicyParser parser = new PolicyParser();
    private final List<Consumer<List<VersionedPolicy>>> listeners = new CopyOnWriteArrayList<>();
    /** The last definition decoded per name, so that an unchanged policy is not parsed again on every change. */
    private final Map<String, VersionedPolicy> decoded = new ConcurrentHashMap<>();
    /** The version of every definition instance handed out, by identity, for {@link #versionOf}. */
    private final Cache<Policy, Long> versions = Caffeine.newBuilder().weakKeys().build();
    private final UUID registration;
    private final HazelcastInstance hazelcast;
    private final UUID lifecycleRegistration;
    /** The set as this node last saw it, to seed a cluster that started again empty. */
    private volatile List<StoredPolicies.Item> lastSeen = List.of();

    public HazelcastPolicyStore(HazelcastInstance hazelcast) {
        this(hazelcast, DEFAULT_TIMEOUT);
    }

    /** @param timeout how long a read or write waits for the cluster */
    public HazelcastPolicyStore(HazelcastInstance hazelcast, Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be a positive duration, got " + timeout);
        }
        this.map = hazelcast.getMap(MAP);
        this.calls = new ClusterCalls(hazelcast);
        this.timeout = timeout;
        this.registration = map.addEntryListener(new Listener(), StoredPolicies.KEY, true);
        this.hazelcast = hazelcast;
        this.lifecycleRegistration = hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.CLIENT_CONNECTED
                    || event.getState() == LifecycleEvent.LifecycleState.CLIENT_CHANGED_CLUSTER) {
                reseed();
            }
        });
    }

    /** Seeds a cluster that started again empty with the set last seen; asynchronous, on Hazelcast's threads. */
    private void reseed() {
        List<StoredPolicies.Item> seed = lastSeen;
        if (seed.isEmpty()) {
            return;
        }
        calls.onKey(map, StoredPolicies.KEY, new StoredPolicies.Initialize(seed)).whenComplete((outcome, failure) -> {
            if (failure != null && !hazelcast.getLifecycleService().isRunning()) {
                LOG.debug("Policies not seeded: the instance is shutting down");
            } else if (failure != null) {
                LOG.warn("Sluice could not give the restarted cluster its {} policies ({}); the management API shows "
                        + "the cluster's set until a node seeds it", seed.size(), failure.toString());
            } else {
                LOG.info("Sluice reconnected to the cluster; its policy store holds {} policies",
                        outcome.snapshot().size());
            }
        });
    }

    private final class Listener implements EntryAddedListener<String, StoredPolicies>,
            EntryUpdatedListener<String, StoredPolicies> {
        @Override
        public void entryAdded(EntryEvent<String, StoredPolicies> event) {
            publish(event.getValue());
        }

        @Override
        public void entryUpdated(EntryEvent<String, StoredPolicies> event) {
            publish(event.getValue());
        }
    }

    private void publish(StoredPolicies stored) {
        lastSeen = List.copyOf(stored.items);
        List<VersionedPolicy> list;
        try {
            list = decode(stored.items);
        } catch (RuntimeException unreadable) {
            LOG.error("A policy change from the cluster could not be read; this node keeps its current policies",
                    unreadable);
            return;
        }
        for (Consumer<List<VersionedPolicy>> listener : listeners) {
            try {
                listener.accept(list);
            } catch (RuntimeException failure) {
                LOG.error("A policy store subscriber failed", failure);
            }
        }
    }

    private List<VersionedPolicy> decode(List<StoredPolicies.Item> items) {
        List<VersionedPolicy> list = new ArrayList<>(items.size());
        for (StoredPolicies.Item item : items) {
            VersionedPolicy known = decoded.get(item.name());
            if (known == null || known.version() != item.version()) {
                known = remember(new VersionedPolicy(parser.parsePolicy(item.json(), "cluster policy "
                        + item.name()), item.version()));
            }
            list.add(known);
        }
        return list;
    }

    private VersionedPolicy remember(VersionedPolicy versioned) {
        versions.put(versioned.policy(), versioned.version());
        decoded.merge(versioned.name(), versioned, (old, fresh) -> fresh.version() >= old.version() ? fresh : old);
        return versioned;
    }

    /**
     * The revision at which this store wrote or read exactly {@code policy} (by identity: the instance this store
     * handed out), or empty for a definition that did not come from this store.
     */
    OptionalLong versionOf(Policy policy) {
        Long version = versions.getIfPresent(policy);
        return version == null ? OptionalLong.empty() : OptionalLong.of(version);
    }

    @Override
    public List<VersionedPolicy> initialize(List<Policy> initial) {
        List<StoredPolicies.Item> seed = new ArrayList<>();
        for (Policy policy : initial) {
            seed.add(new StoredPolicies.Item(policy.name(), 0, PolicyWriter.toJson(policy)));
        }
        StoredPolicies.Outcome outcome = ClusterCalls.await(calls.onKey(map, StoredPolicies.KEY,
                new StoredPolicies.Initialize(seed)), timeout, "reading the cluster's policies");
        lastSeen = List.copyOf(outcome.snapshot());
        return decode(outcome.snapshot());
    }

    @Override
    public List<VersionedPolicy> list() {
        StoredPolicies stored = ClusterCalls.await(calls.get(map, StoredPolicies.KEY), timeout,
                "reading the cluster's policies");
        return stored == null ? List.of() : decode(stored.items);
    }

    @Override
    public Optional<VersionedPolicy> get(String name) {
        return list().stream().filter(policy -> policy.name().equals(name)).findFirst();
    }

    @Override
    public VersionedPolicy put(Policy policy, Long expectedVersion) {
        StoredPolicies.Outcome outcome = write(new StoredPolicies.Write(policy.name(), PolicyWriter.toJson(policy),
                expectedVersion), "writing policy '" + policy.name() + "'");
        if (!outcome.done()) {
            throw new VersionConflictException(policy.name(), expectedVersion, outcome.actual());
        }
        return remember(new VersionedPolicy(policy, outcome.item().version()));
    }

    @Override
    public Optional<VersionedPolicy> delete(String name, Long expectedVersion) {
        StoredPolicies.Outcome outcome = write(new StoredPolicies.Write(name, null, expectedVersion),
                "deleting policy '" + name + "'");
        if (!outcome.done()) {
            throw new VersionConflictException(name, expectedVersion, outcome.actual());
        }
        if (outcome.item() == null) {
            return Optional.empty();
        }
        decoded.remove(name);
        return Optional.of(new VersionedPolicy(parser.parsePolicy(outcome.item().json(), "cluster policy " + name),
                outcome.item().version()));
    }

    private StoredPolicies.Outcome write(StoredPolicies.Write write, String what) {
        return ClusterCalls.await(calls.onKey(map, StoredPolicies.KEY, write), timeout, what);
    }

    @Override
    public AutoCloseable subscribe(Consumer<List<VersionedPolicy>> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void close() {
        listeners.clear();
        try {
            hazelcast.getLifecycleService().removeLifecycleListener(lifecycleRegistration);
            map.removeEntryListener(registration);
        } catch (RuntimeException gone) {
            // the instance is already shut down
        }
    }
}
