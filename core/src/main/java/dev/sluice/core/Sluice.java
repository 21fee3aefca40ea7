package dev.sluice.core;

import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.engine.Candidates;
import dev.sluice.core.engine.Engine;
import dev.sluice.core.key.ClientAddress;
import dev.sluice.core.key.TrustedProxies;
import dev.sluice.core.local.LocalBackend;
import dev.sluice.core.local.LocalCandidateStore;
import dev.sluice.core.local.LocalPolicyStore;
import dev.sluice.core.management.PrometheusText;
import dev.sluice.core.spi.CandidateStore;
import dev.sluice.core.spi.ClusterConnection;
import dev.sluice.core.spi.KeyState;
import dev.sluice.core.spi.PolicyStore;
import dev.sluice.core.spi.VersionedPolicy;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.SystemScheduler;
import dev.sluice.core.versions.VersionCheck;
import dev.sluice.core.top.KeySketches;
import dev.sluice.core.top.Outcome;
import dev.sluice.core.top.TopAnswer;
import dev.sluice.core.top.TopKeysBoard;
import dev.sluice.core.top.Window;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sluice: decides whether requests may proceed under the live policy set, and keeps that set in step with its
 * {@link PolicyStore} (this JVM's, or the cluster's, so every node follows a change made on any node).
 *
 * <p>Built once per application with {@link #builder()}; thread-safe; {@link #admit} never blocks. Adapters (the
 * servlet filter, the gateway plugin) call {@link #admit} per request and {@link Admission#release()} when the
 * response completes.
 */
public final class Sluice implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sluice.class);

    private final Engine engine;
    private final PolicyStore store;
    private final LocalBackend local;
    private final ClusterConnection cluster;
    private final SystemScheduler ownedScheduler;
    private final MeterRegistry registry;
    private final AutoCloseable subscription;
    private final TopKeysBoard topKeys;
    private final CandidateStore candidateStore;
    private final AutoCloseable candidateSubscription;
    private final long publishNanos;
    private final Scheduler scheduler;
    private volatile Scheduler.Cancellable nextPublication = Scheduler.Cancellable.NONE;
    private volatile boolean closed;

    private Sluice(Builder builder) {
        VersionCheck.requireCore();
        // the policy file's trusted proxies apply unless the application set the client address itself
        ClientAddress clientAddress = !builder.policies.trustedProxies().isEmpty()
                && builder.clientAddress == ClientAddress.DIRECT
                ? TrustedProxies.of(builder.policies.trustedProxies()) : builder.clientAddress;
        this.ownedScheduler = builder.scheduler == null ? new SystemScheduler() : null;
        Scheduler scheduler = builder.scheduler != null ? builder.scheduler : ownedScheduler;
        this.registry = builder.registry != null ? builder.registry : PrometheusText.defaultRegistry();
        this.cluster = builder.cluster;
        this.local = new LocalBackend(scheduler, builder.maxKeysPerPolicy);
        if (cluster != null) {
            cluster.backend().bindMetrics(registry);
        }
        this.engine = new Engine(local, cluster == null ? null : cluster.backend(), scheduler, registry,
                clientAddress, builder.trace);
        for (Policy policy : builder.policies.policies()) {
            engine.check(policy, builder.source);
        }
        this.store = cluster != null ? cluster.policyStore() : new LocalPolicyStore();
        List<VersionedPolicy> current = store.initialize(builder.policies.policies());
        engine.apply(current);
        this.subscription = store.subscribe(engine::apply);
        this.topKeys = new TopKeysBoard(cluster == null ? null : cluster.sketchExchange(), engine::sketches,
                builder.topKeysInterval.toNanos());
        this.scheduler = scheduler;
        this.publishNanos = builder.topKeysInterval.toNanos();
        CandidateStore shared = cluster == null ? null : cluster.candidateStore();
        this.candidateStore = shared != null ? shared : new LocalCandidateStore();
        this.candidateSubscription = candidateStore.subscribe(engine.candidates()::sync);
        if (shared != null) {
            nextPublication = scheduler.schedule(this::publishCandidates, publishNanos);
        }
        LOG.info("Sluice started with {} policies ({})", current.size(), cluster == null ? "node scope only"
                : "cluster backend " + cluster.backend().name());
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Decides on a request. Never blocks: the future is complete at once unless the request waits in a queue; then
     * it completes later, on a timer or backend thread, so continuations must not block either. Cancelling the
     * future ({@code cancel(false)}, e.g. when the client has gone) leaves every queue and gives back what was taken.
     * The view is read only during this call.
     */
    public CompletableFuture<Admission> admit(RequestView request) {
        return engine.admit(request);
    }

    /**
     * Decides on a request under one named policy only, ignoring the others (a gateway route bound to its own
     * policy). Same rules and guarantees as {@link #admit(RequestView)}.
     *
     * @throws IllegalArgumentException when there is no such policy
     */
    public CompletableFuture<Admission> admit(RequestView request, String policy) {
        return engine.admit(request, policy);
    }

    /**
     * As {@link #admit(RequestView, String)}, for adapters bound to a policy that a live change may delete: empty
     * when there is no such policy.
     */
    public Optional<CompletableFuture<Admission>> admitIfLive(RequestView request, String policy) {
        return engine.admitIfLive(request, policy);
    }

    /**
     * Decides on a request under the live policies whose names {@code applies} accepts, in their order, ignoring the
     * others (a gateway's global filter, which leaves the policies bound to routes to those routes). Same rules and
     * guarantees as {@link #admit(RequestView)}. {@code applies} is called on this thread during the call and must
     * be cheap and thread-safe.
     */
    public CompletableFuture<Admission> admit(RequestView request, Predicate<String> applies) {
        return engine.admit(request, Objects.requireNonNull(applies, "applies"));
    }

    /** Whether a policy of that name is live on this node. */
    public boolean hasPolicy(String policy) {
        return engine.has(policy);
    }

    /**
     * For callers that are not HTTP requests (a worker loop): applies the named policy to {@code key} at
     * {@code cost}, waiting in its queue if it has one. The admission's {@link Admission#release()} must be called
     * when the work is done.
     *
     * @throws IllegalArgumentException when there is no such policy or the cost is out of range
     */
    public CompletableFuture<Admission> acquire(String policy, String key, long cost) {
        return engine.acquire(policy, key, cost, true);
    }

    /**
     * As {@link #acquire}, for adapters bound to a policy that a live change may delete: empty when there is no
     * such policy.
     *
     * @throws IllegalArgumentException when the cost is out of range
     */
    public Optional<CompletableFuture<Admission>> acquireIfLive(String policy, String key, long cost) {
        return engine.acquireIfLive(policy, key, cost, true);
    }

    /** Like {@link #acquire} but never waits: refused at once when the limit is reached. */
    public CompletableFuture<Admission> tryAcquire(String policy, String key, long cost) {
        return engine.acquire(policy, key, cost, false);
    }

    /** Where policies live; the management service writes here, and every node applies what is written. */
    public PolicyStore policyStore() {
        return store;
    }

    /** The policies in force on this node, in order. */
    public List<VersionedPolicy> policies() {
        return engine.policies();
    }

    /** Live figures of one policy on this node. */
    public Optional<PolicyFigures> figures(String policy) {
        return engine.figures(policy);
    }

    /** One key's state, or empty when there is no such policy. */
    public Optional<CompletableFuture<KeyState>> keyState(String policy, String key) {
        return engine.keyState(policy, key);
    }

    /**
     * The most frequent keys of a policy for one outcome over one window, merged over every node of the cluster
     * (other nodes' counts are up to one publishing interval old). Empty when there is no such policy or it keeps no
     * top keys ({@code top-keys: off}). The future fails when the cluster cannot be read. With
     * {@code thisNodeOnly}, this node's counts alone.
     */
    public Optional<CompletableFuture<TopAnswer>> topKeys(String policy, Outcome outcome, Window window, int limit,
            boolean thisNodeOnly) {
        KeySketches sketches = engine.sketches().get(policy);
        return sketches == null ? Optional.empty()
                : Optional.of(topKeys.read(policy, sketches, outcome, window, limit, thisNodeOnly));
    }

    /**
     * Up to {@code limit} keys of a policy that have state, in ascending order after {@code after} (null: from the
     * first); this node's for a node-scope policy, the cluster's for a cluster-scope one. Empty when there is no such
     * policy.
     */
    public Optional<CompletableFuture<List<String>>> keys(String policy, String after, int limit) {
        return engine.keys(policy, after, limit);
    }

    /** Forgets one key's state, or empty when there is no such policy. */
    public Optional<CompletableFuture<Boolean>> resetKey(String policy, String key) {
        return engine.resetKey(policy, key);
    }

    /**
     * Checks that this deployment can serve {@code policy} (cluster scope needs a cluster).
     *
     * @throws ConfigException naming the field
     */
    public void check(Policy policy, String source) {
        engine.check(policy, source);
    }

    /** The backends' health: local first, then the cluster's if any. */
    public List<dev.sluice.core.spi.BackendHealth> health() {
        return new ArrayList<>(engine.health());
    }

    /** Where the management audit is kept for every node: the cluster's, or null (each node keeps its own). */
    public dev.sluice.core.spi.AuditStore auditStore() {
        return cluster == null ? null : cluster.auditStore();
    }

    public MeterRegistry meterRegistry() {
        return registry;
    }

    /**
     * Where candidate policies are kept for every node (the cluster's, or this JVM's); every node evaluates what is
     * stored there.
     */
    public CandidateStore candidateStore() {
        return candidateStore;
    }

    /** This node's counts of {@code policy}'s candidate, unless it evaluates none. */
    public Optional<Candidates.Counts> candidateCounts(String policy) {
        return engine.candidates().counts(policy);
    }

    /** Leaves this node's candidate counts for the other nodes, then again after one interval. */
    private void publishCandidates() {
        if (closed) {
            return;
        }
        try {
            engine.candidates().publish(candidateStore);
        } catch (RuntimeException failure) {
            LOG.warn("Sluice could not publish its candidate counts; the next round retries", failure);
        }
        if (!closed) {
            nextPublication = scheduler.schedule(this::publishCandidates, publishNanos);
        }
    }

    /** Stops following the store, admits every waiter, closes what this instance created (not the cluster). */
    @Override
    public void close() {
        try {
            subscription.close();
        } catch (Exception failure) {
            LOG.warn("Could not unsubscribe from the policy store", failure);
        }
        closed = true;
        nextPublication.cancel();
        try {
            candidateSubscription.close();
        } catch (Exception failure) {
            LOG.warn("Could not unsubscribe from the candidate store", failure);
        }
        topKeys.close();
        engine.close();
        local.close();
        if (cluster == null) {
            store.close();
        }
        if (ownedScheduler != null) {
            ownedScheduler.close();
        }
    }

    /** Configures a {@link Sluice}. Not thread-safe. */
    public static final class Builder {
        private PolicySet policies = PolicySet.EMPTY;
        private String source = "configuration";
        private ClusterConnection cluster;
        private Scheduler scheduler;
        private MeterRegistry registry;
        private ClientAddress clientAddress = ClientAddress.DIRECT;
        private long maxKeysPerPolicy = LocalBackend.DEFAULT_MAX_KEYS;
        private Duration topKeysInterval = Duration.ofSeconds(5);
        private DecisionTrace trace = DecisionTrace.OFF;

        private Builder() {}

        /** The start-up policies; when a cluster already holds policies, the cluster's win. */
        public Builder policies(PolicySet set) {
            this.policies = set;
            return this;
        }

        /** Names the start-up configuration in error messages, e.g. a file name. */
        public Builder source(String name) {
            this.source = name;
            return this;
        }

        /** The cluster, required when a policy has {@code scope: cluster}. Not closed by {@link Sluice#close()}. */
        public Builder cluster(ClusterConnection connection) {
            this.cluster = connection;
            return this;
        }

        /** The timer for queues; default: a daemon thread owned by the instance. */
        public Builder scheduler(Scheduler value) {
            this.scheduler = value;
            return this;
        }

        /**
         * Where metrics go; default: a new Prometheus registry when {@code micrometer-registry-prometheus} is on the
         * class path, else a simple in-memory registry.
         */
        public Builder meterRegistry(MeterRegistry value) {
            this.registry = value;
            return this;
        }

        /** How the {@code ip} key finds the client; default: the direct peer. */
        public Builder clientAddress(ClientAddress value) {
            this.clientAddress = value;
            return this;
        }

        /**
         * Believes {@code X-Forwarded-For} / {@code Forwarded} from these proxies (CIDRs or addresses) when finding
         * the client for the {@code ip} key; see {@link dev.sluice.core.key.TrustedProxies}.
         *
         * @throws IllegalArgumentException naming an entry that is not an address or range
         */
        public Builder trustedProxies(List<String> cidrs) {
            this.clientAddress = TrustedProxies.of(cidrs);
            return this;
        }

        /** Node-scope buckets kept per policy before the least recently used are forgotten; default 100,000. */
        public Builder maxKeysPerPolicy(long value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxKeysPerPolicy must be at least 1, got " + value);
            }
            this.maxKeysPerPolicy = value;
            return this;
        }

        /**
         * How often this node publishes its top-keys sketches and its candidates' counts for the other nodes of the
         * cluster (their answers include this node's counts as of the last publication); default 5 s, from 100 ms to 10 s (a snapshot
         * lives 30 s in the cluster unless renewed).
         */
        public Builder topKeysInterval(Duration value) {
            if (value == null || value.toMillis() < 100 || value.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException("topKeysInterval must be from 100ms to 10s, got " + value);
            }
            this.topKeysInterval = value;
            return this;
        }

        /** The decision trace ({@link DecisionTrace#of}); default {@link DecisionTrace#OFF}. */
        public Builder decisionTrace(DecisionTrace value) {
            this.trace = Objects.requireNonNull(value, "decisionTrace");
            return this;
        }

        /** @throws ConfigException when a policy cannot be served (cluster scope without a cluster) */
        public Sluice build() {
            return new Sluice(this);
        }
    }
}
