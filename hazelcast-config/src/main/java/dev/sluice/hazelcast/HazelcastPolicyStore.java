package dev.sluice.hazelcast;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicyParser;
import dev.sluice.core.config.PolicyWriter;
import dev.sluice.core.spi.PolicyStore;
import dev.sluice.core.spi.StoreUnavailableException;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.LinkedHashMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy store of a cluster: one entry of IMap {@value MapNames#POLICIES} ({@link StoredPolicies}) holding every
 * policy as JSON ({@link PolicyWriter}, read back with {@link PolicyParser}), written only by entry processors. So a
 * write is stored on the partition owner and its backup before {@link #put} returns; conditional writes from any nodes
 * are decided atomically there (compare-and-set on the version); versions are the store-wide revision, strictly
 * increasing. Every node's subscribers hear of every change, in order, through an entry listener (within
 * milliseconds on a LAN); a node that joins later reads the current set in {@link #initialize}, which seeds only an
 * empty store.
 *
 * <p><b>A cluster that starts again empty.</b> A client that reconnects ({@code CLIENT_CONNECTED} after a loss of
 * connection, or {@code CLIENT_CHANGED_CLUSTER}) seeds the store with the set it last saw, as {@link #initialize}
 * would: only an empty store is seeded (the first node to do so wins), so a cluster that kept its data is left as it
 * is, and one that was restarted gets the nodes' policies back (versions start over from 1).
 *
 * <p><b>Splits and merges.</b> The set a node applied stays in force until the store gives it another one: a store
 * entry that is missing (lost with the members that held it) is never "every policy deleted". A write that finds it
 * missing writes nothing; the store is first seeded again with the set this node last saw. On a member cut off from
 * the majority ({@link SplitBrain}) writes are refused with a {@link StoreUnavailableException} (nothing written, so
 * nothing lost at the merge) and reads answer the set last seen. After a merge ({@code MERGED}), a reconnection, any
 * membership change, and every {@value #RECONCILE_SECONDS} s, the node reads the store again and, when it differs
 * from what its subscribers last heard, tells them and logs what changed.
 *
 * <p>Reads and writes wait for the cluster at most the timeout given (10 s by default) and then fail with an
 * {@link IllegalStateException}: they serve start-up and the management API, never a request. Subscribers are
 * called on a Hazelcast event thread and must not block. Thread-safe.
 */
public final class HazelcastPolicyStore implements PolicyStore {
    /** How long a read or write waits for the cluster unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastPolicyStore.class);
    /** How often a node compares its policies with the store, besides the events that make it do so at once. */
    static final int RECONCILE_SECONDS = 10;
    static final String CUT_OFF = "this node is cut off from the majority of the cluster; retry against another node";

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
    /** The set the subscribers last heard of; guarded by {@code this}. */
    private List<StoredPolicies.Item> published;
    private final UUID membershipRegistration;
    private final ScheduledExecutorService reconciler;

    public HazelcastPolicyStore(HazelcastInstance hazelcast) {
        this(hazelcast, DEFAULT_TIMEOUT);
    }

    /** @param timeout how long a read or write waits for the cluster */
    public HazelcastPolicyStore(HazelcastInstance hazelcast, Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be a positive duration, got " + timeout);
        }
        this.map = hazelcast.getMap(MapNames.POLICIES);
        this.calls = new ClusterCalls(hazelcast);
        this.timeout = timeout;
        this.registration = map.addEntryListener(new Listener(), StoredPolicies.KEY, true);
        this.hazelcast = hazelcast;
        this.lifecycleRegistration = hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.CLIENT_CONNECTED
                    || event.getState() == LifecycleEvent.LifecycleState.CLIENT_CHANGED_CLUSTER) {
                reseed();
                reconcile("a reconnection (" + event.getState() + ")");
            } else if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                reconcile("a merge of a split cluster");
            }
        });
        this.membershipRegistration = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                reconcile("member " + event.getMember().getAddress() + " joined");
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                reconcile("member " + event.getMember().getAddress() + " left");
            }
        });
        this.reconciler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sluice-policy-reconcile");
            thread.setDaemon(true);
            return thread;
        });
        reconciler.scheduleWithFixedDelay(() -> reconcile(null), RECONCILE_SECONDS, RECONCILE_SECONDS,
                TimeUnit.SECONDS);
    }

    /**
     * Reads the store and, when it holds a set other than the one the subscribers last heard of, tells them;
     * asynchronous. A missing entry changes nothing here (it is seeded again where a majority is); a failed read is
     * left for the next occasion.
     *
     * @param why what prompted it, for the log; null for the periodic check
     */
    void reconcile(String why) {
        if (!hazelcast.getLifecycleService().isRunning()) {
            return;
        }
        calls.get(map, StoredPolicies.KEY).whenComplete((stored, failure) -> {
            if (failure != null) {
                LOG.debug("Policies not reconciled after {}: {}", why, failure.toString());
            } else if (stored == null) {
                if (why != null) {
                    LOG.info("After {} the cluster's policy store is missing; this node keeps its {} policies and "
                            + "seeds the store with them", why, lastSeen.size());
                }
                if (SplitBrain.hasMajority(hazelcast)) {
                    reseed();
                }
            } else {
                publish(stored, why == null ? "a periodic check" : why);
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
            publish(event.getValue(), null);
        }

        @Override
        public void entryUpdated(EntryEvent<String, StoredPolicies> event) {
            publish(event.getValue(), null);
        }
    }

    /**
     * Tells the subscribers of {@code stored}. A change event is always passed on (in order); a reconciliation
     * ({@code reconciled} names its cause) only when the set differs from the one last passed on, and it logs the
     * difference.
     */
    private synchronized void publish(StoredPolicies stored, String reconciled) {
        List<StoredPolicies.Item> items = List.copyOf(stored.items);
        if (reconciled != null && items.equals(published)) {
            return;
        }
        if (reconciled != null) {
            LOG.info("Sluice reconciled its policies with the cluster's store after {}: {}", reconciled,
                    difference(published == null ? List.of() : published, items));
        }
        published = items;
        lastSeen = items;
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

    /** "added [a], removed [b], changed [c]" between two sets, by name and version. */
    static String difference(List<StoredPolicies.Item> before, List<StoredPolicies.Item> after) {
        Map<String, Long> old = new LinkedHashMap<>();
        before.forEach(item -> old.put(item.name(), item.version()));
        TreeSet<String> added = new TreeSet<>();
        TreeSet<String> changed = new TreeSet<>();
        for (StoredPolicies.Item item : after) {
            Long was = old.remove(item.name());
            if (was == null) {
                added.add(item.name());
            } else if (was != item.version()) {
                changed.add(item.name());
            }
        }
        return "added " + added + ", removed " + new TreeSet<>(old.keySet()) + ", changed " + changed
                + " (" + after.size() + " policies now)";
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
        synchronized (this) {
            lastSeen = List.copyOf(outcome.snapshot());
            published = lastSeen;
        }
        return decode(outcome.snapshot());
    }

    /** The store's set; on a member cut off from the majority, or when the entry is missing, the set last seen. */
    @Override
    public List<VersionedPolicy> list() {
        StoredPolicies stored;
        try {
            stored = ClusterCalls.await(calls.get(map, StoredPolicies.KEY), timeout, "reading the cluster's policies");
        } catch (RuntimeException failure) {
            if (cutOff(failure)) {
                return decode(lastSeen);
            }
            throw failure;
        }
        return stored == null ? decode(lastSeen) : decode(stored.items);
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

    /**
     * Runs a write; when it found the store missing, seeds it with the set last seen and runs it once more.
     *
     * @throws StoreUnavailableException on a member cut off from the majority (nothing written)
     */
    private StoredPolicies.Outcome write(StoredPolicies.Write write, String what) {
        try {
            StoredPolicies.Outcome outcome = ClusterCalls.await(calls.onKey(map, StoredPolicies.KEY, write), timeout,
                    what);
            if (!outcome.storeMissing()) {
                return outcome;
            }
            LOG.warn("The cluster's policy store was missing while {}; seeding it with the {} policies this node "
                    + "last saw first", what, lastSeen.size());
            ClusterCalls.await(calls.onKey(map, StoredPolicies.KEY, new StoredPolicies.Initialize(lastSeen)),
                    timeout, "seeding the cluster's policies");
            outcome = ClusterCalls.await(calls.onKey(map, StoredPolicies.KEY, write), timeout, what);
            if (outcome.storeMissing()) {
                throw new IllegalStateException("The cluster's policy store went missing again while " + what);
            }
            return outcome;
        } catch (RuntimeException failure) {
            if (cutOff(failure)) {
                throw new StoreUnavailableException("Nothing was written: " + CUT_OFF + ".", failure);
            }
            throw failure;
        }
    }

    /** Whether {@code failure} is, or was caused by, Hazelcast's split-brain protection refusing the call. */
    static boolean cutOff(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SplitBrainProtectionException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public AutoCloseable subscribe(Consumer<List<VersionedPolicy>> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void close() {
        listeners.clear();
        reconciler.shutdownNow();
        try {
            hazelcast.getCluster().removeMembershipListener(membershipRegistration);
            hazelcast.getLifecycleService().removeLifecycleListener(lifecycleRegistration);
            map.removeEntryListener(registration);
        } catch (RuntimeException gone) {
            // the instance is already shut down
        }
    }
}
