package dev.sluice.hazelcast;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicyParser;
import dev.sluice.core.config.PolicyWriter;
import dev.sluice.core.spi.PolicyStore;
import dev.sluice.core.spi.VersionConflictException;
import dev.sluice.core.spi.VersionedPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy store of a cluster: one entry of IMap {@value #MAP} (see {@link StoredPolicies}), written by entry
 * processors, so a change is stored with its backup before {@link #put} returns, and conflicting writes from any
 * nodes are decided by versions on the partition owner. Every node's subscribers hear of every change through an
 * entry listener; a node that joins later reads the current set in {@link #initialize}.
 *
 * <p>Writes block the caller until the cluster answers (the management API runs them off request threads).
 */
public final class HazelcastPolicyStore implements PolicyStore {
    static final String MAP = "sluice-policies";
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastPolicyStore.class);

    private final IMap<String, StoredPolicies> map;
    private final PolicyParser parser = new PolicyParser();
    private final List<Consumer<List<VersionedPolicy>>> listeners = new CopyOnWriteArrayList<>();
    private final UUID registration;

    public HazelcastPolicyStore(HazelcastInstance hazelcast) {
        this.map = hazelcast.getMap(MAP);
        this.registration = map.addEntryListener(new Listener(), StoredPolicies.KEY, true);
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
        List<VersionedPolicy> list;
        try {
            list = decode(stored.items);
        } catch (RuntimeException unreadable) {
            LOG.error("A policy change from the cluster could not be read; this node keeps its current policies",
                    unreadable);
            return;
        }
        for (Consumer<List<VersionedPolicy>> listener : listeners) {
            listener.accept(list);
        }
    }

    private List<VersionedPolicy> decode(List<StoredPolicies.Item> items) {
        List<VersionedPolicy> list = new ArrayList<>(items.size());
        for (StoredPolicies.Item item : items) {
            list.add(new VersionedPolicy(parser.parsePolicy(item.json(), "cluster policy " + item.name()),
                    item.version()));
        }
        return list;
    }

    @Override
    public List<VersionedPolicy> initialize(List<Policy> initial) {
        List<StoredPolicies.Item> seed = new ArrayList<>();
        for (Policy policy : initial) {
            seed.add(new StoredPolicies.Item(policy.name(), 0, PolicyWriter.toJson(policy)));
        }
        return decode(map.executeOnKey(StoredPolicies.KEY, new StoredPolicies.Initialize(seed)).snapshot());
    }

    @Override
    public List<VersionedPolicy> list() {
        StoredPolicies stored = map.get(StoredPolicies.KEY);
        return stored == null ? List.of() : decode(stored.items);
    }

    @Override
    public Optional<VersionedPolicy> get(String name) {
        return list().stream().filter(policy -> policy.name().equals(name)).findFirst();
    }

    @Override
    public VersionedPolicy put(Policy policy, Long expectedVersion) {
        StoredPolicies.Outcome outcome = map.executeOnKey(StoredPolicies.KEY,
                new StoredPolicies.Write(policy.name(), PolicyWriter.toJson(policy), expectedVersion));
        if (!outcome.done()) {
            throw new VersionConflictException(policy.name(), expectedVersion, outcome.actual());
        }
        return new VersionedPolicy(policy, outcome.item().version());
    }

    @Override
    public Optional<VersionedPolicy> delete(String name, Long expectedVersion) {
        StoredPolicies.Outcome outcome = map.executeOnKey(StoredPolicies.KEY,
                new StoredPolicies.Write(name, null, expectedVersion));
        if (!outcome.done()) {
            throw new VersionConflictException(name, expectedVersion, outcome.actual());
        }
        return outcome.item() == null ? Optional.empty() : Optional.of(new VersionedPolicy(
                parser.parsePolicy(outcome.item().json(), "cluster policy " + name), outcome.item().version()));
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
            map.removeEntryListener(registration);
        } catch (RuntimeException gone) {
            // the instance is already shut down
        }
    }
}
