package dev.sluice.core.engine;

import dev.sluice.core.Admission;
import dev.sluice.core.DecisionTrace;
import dev.sluice.core.PolicyFigures;
import dev.sluice.core.RequestView;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.Scope;
import dev.sluice.core.config.TopKeys;
import dev.sluice.core.key.ClientAddress;
import dev.sluice.core.key.KeyResolver;
import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.BackendHealth;
import dev.sluice.core.spi.KeyState;
import dev.sluice.core.spi.LimiterStats;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.spi.VersionedPolicy;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.top.KeySketches;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides on requests against the live policy table, and applies new policy lists to it. The table is immutable
 * and swapped atomically, so a request sees one consistent version of every policy. Applying a list binds new
 * policies, reconfigures changed ones in place (their state and counters live on) and unbinds removed ones.
 * {@link #admit} is thread-safe and never blocks; {@link #apply} is serialised.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    private final Backend local;
    private final Backend cluster;
    private final Scheduler scheduler;
    private final MeterRegistry registry;
    private final ClientAddress clientAddress;
    private final DecisionTrace trace;
    private final Candidates candidates;
    private final Map<String, Binding> bindings = new HashMap<>();
    private final List<Meter> backendMeters = new ArrayList<>();
    private volatile PolicyTable table = new PolicyTable(new CompiledPolicy[0]);

    /**
     * With a cluster backend, also registers {@code sluice.backend.degraded} (gauge, 1 while the backend's health is
     * {@code DEGRADED}) and {@code sluice.backend.degraded.entered} (counter of times it became degraded), both
     * tagged {@code backend}; {@link #close()} removes them.
     *
     * @param local   serves {@code scope: node}
     * @param cluster serves {@code scope: cluster}, or null when there is no cluster
     */
    public Engine(Backend local, Backend cluster, Scheduler scheduler, MeterRegistry registry,
            ClientAddress clientAddress) {
        this(local, cluster, scheduler, registry, clientAddress, DecisionTrace.OFF);
    }

    /** As above, answering the decision trace to requests that carry its secret. */
    public Engine(Backend local, Backend cluster, Scheduler scheduler, MeterRegistry registry,
            ClientAddress clientAddress, DecisionTrace trace) {
        this.trace = trace;
        this.local = local;
        this.cluster = cluster;
        this.scheduler = scheduler;
        this.registry = registry;
        this.clientAddress = clientAddress;
        this.candidates = new Candidates(scheduler, registry, Clock.systemUTC(), this::members, name -> {
            CompiledPolicy live = table.byName.get(name);
            return live != null && live.binding.sketches != null;
        });
        if (cluster != null) {
            backendMeters.add(Gauge.builder("sluice.backend.degraded", cluster,
                            backend -> backend.health().status() == BackendHealth.Status.DEGRADED ? 1 : 0)
                    .tag("backend", cluster.name())
                    .description("1 while the cluster backend is degraded (policies follow on-backend-failure)")
                    .register(registry));
            backendMeters.add(FunctionCounter.builder("sluice.backend.degraded.entered", cluster,
                            backend -> backend.timesDegraded())
                    .tag("backend", cluster.name())
                    .description("Times the cluster backend entered degraded mode").register(registry));
        }
    }

    /** Decides on a request. Never blocks; see {@link dev.sluice.core.Sluice#admit}. */
    public CompletableFuture<Admission> admit(RequestView request) {
        return admit(request, (Predicate<String>) null);
    }

    /**
     * Decides on a request under the live policies whose names {@code applies} accepts (all of them when null), with
     * the same rules as {@link #admit(RequestView)}.
     */
    public CompletableFuture<Admission> admit(RequestView request, Predicate<String> applies) {
        PolicyTable live = table;
        CompiledPolicy[] policies = live.policies;
        int[] indexed = live.index.candidates(request);
        Step[] steps = null;
        int count = 0;
        for (int i = 0; i < indexed.length; i++) {
            CompiledPolicy policy = policies[indexed[i]];
            if (applies != null && !applies.test(policy.name)) {
                continue;
            }
            if (!policy.matches(request)) {
                continue;
            }
            String key = policy.keyOf(request);
            if (key == null) {
                if (policy.refusesMissingKey()) {
                    return CompletableFuture.completedFuture(Decision.badKey(policy));
                }
                continue;
            }
            if (steps == null) {
                steps = new Step[indexed.length - i];
            }
            steps[count++] = new Step(policy, key, policy.cost(request), policy.flow(request));
        }
        boolean traced = trace.wanted(request);
        if (count == 0) {
            return CompletableFuture.completedFuture(traced ? Decision.UNLIMITED_TRACED : Decision.UNLIMITED);
        }
        return observed(new AdmissionRun(this, scheduler.ticker(), steps, count, false, traced).start(), steps,
                count);
    }

    /** Lets the candidates see the live decision, on a side branch: the decision itself is returned unchanged. */
    private CompletableFuture<Admission> observed(CompletableFuture<Admission> decision, Step[] steps, int count) {
        if (candidates.any()) {
            decision.thenAccept(live -> candidates.observe(steps, count, live));
        }
        return decision;
    }

    /** The candidate policies evaluated beside the live ones on this node. */
    public Candidates candidates() {
        return candidates;
    }

    /**
     * Decides on a request under one named policy only (a gateway route's policy), with the same matching, key,
     * missing-key and cost rules as {@link #admit}.
     *
     * @throws IllegalArgumentException when there is no such policy
     */
    public CompletableFuture<Admission> admit(RequestView request, String policyName) {
        PolicyTable live = table;
        CompiledPolicy policy = live.byName.get(policyName);
        if (policy == null) {
            throw noSuchPolicy(live, policyName);
        }
        return admitUnder(policy, request);
    }

    /** As {@link #admit(RequestView, String)}; empty when there is no such policy (it may have just been deleted). */
    public Optional<CompletableFuture<Admission>> admitIfLive(RequestView request, String policyName) {
        CompiledPolicy policy = table.byName.get(policyName);
        return policy == null ? Optional.empty() : Optional.of(admitUnder(policy, request));
    }

    private CompletableFuture<Admission> admitUnder(CompiledPolicy policy, RequestView request) {
        if (!policy.matches(request)) {
            return CompletableFuture.completedFuture(Decision.UNLIMITED);
        }
        String key = policy.keyOf(request);
        if (key == null) {
            return CompletableFuture.completedFuture(policy.refusesMissingKey() ? Decision.badKey(policy)
                    : Decision.UNLIMITED);
        }
        Step[] steps = {new Step(policy, key, policy.cost(request), policy.flow(request))};
        return observed(new AdmissionRun(this, scheduler.ticker(), steps, 1, false, trace.wanted(request)).start(),
                steps, 1);
    }

    private static IllegalArgumentException noSuchPolicy(PolicyTable live, String policyName) {
        return new IllegalArgumentException("no policy named '" + policyName + "'; known: " + live.byName.keySet());
    }

    /** Whether a policy of that name is live. */
    public boolean has(String policyName) {
        return table.byName.containsKey(policyName);
    }

    /**
     * Applies one named policy to an explicit key, for callers that are not HTTP requests.
     *
     * @param wait whether the request may wait in the policy's queue
     * @throws IllegalArgumentException when there is no such policy or the cost is out of range
     */
    public CompletableFuture<Admission> acquire(String policyName, String key, long cost, boolean wait) {
        PolicyTable live = table;
        CompiledPolicy policy = live.byName.get(policyName);
        if (policy == null) {
            throw noSuchPolicy(live, policyName);
        }
        return acquireUnder(policy, key, cost, wait);
    }

    /**
     * As {@link #acquire}; empty when there is no such policy (it may have just been deleted).
     *
     * @throws IllegalArgumentException when the cost is out of range
     */
    public Optional<CompletableFuture<Admission>> acquireIfLive(String policyName, String key, long cost,
            boolean wait) {
        CompiledPolicy policy = table.byName.get(policyName);
        return policy == null ? Optional.empty() : Optional.of(acquireUnder(policy, key, cost, wait));
    }

    private CompletableFuture<Admission> acquireUnder(CompiledPolicy policy, String key, long cost, boolean wait) {
        long ceiling = CompiledPolicy.maxCost(policy.definition);
        if (cost < 1 || cost > ceiling) {
            throw new IllegalArgumentException("cost must be from 1 to " + ceiling + " for policy '" + policy.name
                    + "', got " + cost);
        }
        String bounded = KeyResolver.bounded(key == null || key.isEmpty() ? KeyResolver.GLOBAL : key);
        return new AdmissionRun(this, scheduler.ticker(), new Step[] {new Step(policy, bounded, cost)}, 1, !wait,
                false).start();
    }

    /**
     * Checks that this engine can serve {@code policy}: a cluster-scope policy needs a cluster backend.
     *
     * @throws ConfigException naming the field
     */
    public void check(Policy policy, String source) {
        if (policy.scope() == Scope.CLUSTER && cluster == null) {
            throw new ConfigException(new ConfigException.Problem(source, 0, 0, "scope",
                    "is cluster, but this deployment has no cluster: configure sluice-hazelcast (see the README, "
                            + "'Cluster scope') or use scope node"));
        }
    }

    /** Makes {@code policies} the live set, in their order. Serialised; safe to call from store listener threads. */
    public synchronized void apply(List<VersionedPolicy> policies) {
        Map<String, CompiledPolicy> previous = table.byName;
        List<CompiledPolicy> compiled = new ArrayList<>(policies.size());
        List<Binding> retired = new ArrayList<>();
        Map<String, Binding> kept = new HashMap<>();
        for (VersionedPolicy versioned : policies) {
            Policy policy = versioned.policy();
            Backend backend = policy.scope() == Scope.CLUSTER ? cluster : local;
            if (backend == null) {
                LOG.error("Policy '{}' has scope cluster but there is no cluster backend; it is not applied",
                        policy.name());
                continue;
            }
            Binding binding = bindings.get(policy.name());
            CompiledPolicy before = previous.get(policy.name());
            if (binding != null && binding.backend == backend) {
                if (before == null || before.versioned.version() != versioned.version()) {
                    binding.reconfigure(policy, scheduler.ticker(), members());
                }
            } else {
                if (binding != null) {
                    retired.add(binding);
                    binding.metrics.remove();
                }
                binding = bind(backend, policy);
            }
            kept.put(policy.name(), binding);
            compiled.add(new CompiledPolicy(versioned, binding, clientAddress));
        }
        for (Map.Entry<String, Binding> entry : bindings.entrySet()) {
            if (!kept.containsKey(entry.getKey())) {
                retired.add(entry.getValue());
                entry.getValue().metrics.remove();
            }
        }
        table = new PolicyTable(compiled.toArray(CompiledPolicy[]::new));
        bindings.clear();
        bindings.putAll(kept);
        for (Binding binding : retired) {
            binding.unbind();
        }
    }

    private Binding bind(Backend backend, Policy policy) {
        PolicyLimiter limiter = backend.bind(policy);
        PolicyMetrics metrics = new PolicyMetrics(registry, policy.name(), () -> limiter);
        return new Binding(backend, limiter, metrics,
                policy.topKeys() == TopKeys.ON ? new KeySketches(scheduler.ticker()) : null);
    }

    /**
     * The node-local stand-in for a cluster policy under {@code on-backend-failure: local}, or null for a
     * node-scope policy.
     */
    PolicyLimiter fallbackFor(CompiledPolicy policy) {
        Binding binding = policy.binding;
        return binding.backend == local ? null : binding.fallback(local, policy.definition, members());
    }

    /** The members the cluster backend saw while it answered, at least 1. */
    private int members() {
        return cluster == null ? 1 : Math.max(1, cluster.membersLastSeen());
    }

    /** The live policies in order. */
    public List<VersionedPolicy> policies() {
        List<VersionedPolicy> list = new ArrayList<>();
        for (CompiledPolicy policy : table.policies) {
            list.add(policy.versioned);
        }
        return list;
    }

    /** One policy's figures on this node, or empty when there is no such policy. */
    public Optional<PolicyFigures> figures(String name) {
        CompiledPolicy policy = table.byName.get(name);
        if (policy == null) {
            return Optional.empty();
        }
        LimiterStats stats = policy.binding.limiter.stats();
        PolicyMetrics metrics = policy.binding.metrics;
        return Optional.of(new PolicyFigures(metrics.admittedCount(), metrics.refusedCount(),
                metrics.refusedByReason(), stats.queued(), stats.permitsInUse(), stats.oldestWaiterNanos(),
                stats.keys(), metrics.shadowRefusedCount(), metrics.queueWaitP99Nanos()));
    }

    /** The top-keys sketches of the live policies that keep them ({@code top-keys: on}), by policy name. */
    public Map<String, KeySketches> sketches() {
        Map<String, KeySketches> all = new LinkedHashMap<>();
        for (CompiledPolicy policy : table.policies) {
            KeySketches top = policy.binding.sketches;
            if (top != null) {
                all.put(policy.name, top);
            }
        }
        return all;
    }

    /** One key's state in one policy; empty when there is no such policy. */
    public Optional<CompletableFuture<KeyState>> keyState(String name, String key) {
        CompiledPolicy policy = table.byName.get(name);
        return policy == null ? Optional.empty() : Optional.of(policy.binding.limiter.state(KeyResolver.bounded(key)));
    }

    /** One page of the keys of one policy ({@link PolicyLimiter#keys}); empty when there is no such policy. */
    public Optional<CompletableFuture<List<String>>> keys(String name, String after, int limit) {
        CompiledPolicy policy = table.byName.get(name);
        return policy == null ? Optional.empty() : Optional.of(policy.binding.limiter.keys(after, limit));
    }

    /** Resets one key of one policy; empty when there is no such policy. */
    public Optional<CompletableFuture<Boolean>> resetKey(String name, String key) {
        CompiledPolicy policy = table.byName.get(name);
        return policy == null ? Optional.empty() : Optional.of(policy.binding.limiter.reset(KeyResolver.bounded(key)));
    }

    /** The backends' health: local first, then the cluster's if any. */
    public List<BackendHealth> health() {
        List<BackendHealth> list = new ArrayList<>();
        list.add(local.health());
        if (cluster != null) {
            list.add(cluster.health());
        }
        return list;
    }

    /** Unbinds every policy; waiters are admitted. Backends are closed by their owners. */
    @Override
    public synchronized void close() {
        candidates.close();
        apply(List.of());
        for (Meter meter : backendMeters) {
            registry.remove(meter);
        }
        backendMeters.clear();
    }
}
