package dev.sluice.core.engine;

import dev.sluice.core.Reason;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.Scope;
import dev.sluice.core.local.LocalBackend;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.spi.StoredCandidate;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.top.FrequentKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * One candidate policy evaluated on this node ({@link Candidates}): its own limiter, bound with this node's share of
 * the candidate's limits, the 2x2 of what it and the live policy decided, their reasons, and the keys only the
 * candidate refused. Thread-safe.
 */
final class Candidate {
    final StoredCandidate stored;
    private final Scheduler scheduler;
    private final MeterRegistry registry;
    private final IntSupplier members;
    private final Policy policy;
    private final PolicyLimiter limiter;
    private volatile int share;
    private final LongAdder[] cells = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};
    private final Counter[] counters = new Counter[4];
    private final Map<String, LongAdder> liveReasons = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> candidateReasons = new ConcurrentHashMap<>();
    /** The keys only the candidate refused, when the live policy keeps top-keys sketches; else null. */
    private final FrequentKeys sketchedKeys;
    /** The same, counted exactly (first {@value Candidates#MAX_KEYS} keys), when {@link #sketchedKeys} is null. */
    private final Map<String, LongAdder> candidateOnlyKeys = new ConcurrentHashMap<>();

    /**
     * @param sketched whether to count the keys only the candidate refuses in a sketch (the live policy keeps
     *                 top-keys sketches), else exactly for the first {@value Candidates#MAX_KEYS}
     * @param backend  where the candidate's own state lives
     * @param members  the cluster's members as last seen, for the share of a cluster-scope candidate
     */
    Candidate(StoredCandidate stored, Policy policy, boolean sketched, LocalBackend backend, Scheduler scheduler,
            MeterRegistry registry, IntSupplier members) {
        this.stored = stored;
        this.policy = policy;
        this.scheduler = scheduler;
        this.registry = registry;
        this.members = members;
        this.sketchedKeys = sketched ? new FrequentKeys() : null;
        this.share = policy.scope() == Scope.CLUSTER ? members.getAsInt() : 1;
        this.limiter = backend.bind(share(policy, share));
        for (int cell = 0; cell < 4; cell++) {
            counters[cell] = Counter.builder("sluice_candidate_decisions")
                    .description("Decisions of candidate policies beside the live ones, by what each decided")
                    .tag("policy", policy.name())
                    .tag("live", (cell & 1) == 0 ? "admit" : "refuse")
                    .tag("candidate", (cell & 2) == 0 ? "admit" : "refuse")
                    .register(registry);
        }
    }

    private Policy share(Policy definition, int nodes) {
        return definition.scope() == Scope.CLUSTER ? LocalShare.of(definition, nodes) : definition;
    }

    void decide(Step step, Reason liveRefusal) {
        if (policy.scope() == Scope.CLUSTER) {
            int now = members.getAsInt();
            if (now != share) {
                share = now;   // the cluster changed size: the share follows, the state lives on
                limiter.reconfigure(share(policy, now));
            }
        }
        CompletableFuture<Reason> rate = policy.rate() == null && policy.quota() == null
                ? CompletableFuture.completedFuture(null)
                : limiter.consume(step.key, step.cost, 0).thenApply(o -> o.consumed() ? null : o.reason());
        rate.thenCompose(refused -> refused != null || policy.concurrency() == null
                ? CompletableFuture.completedFuture(refused) : asIf(step))
                .whenComplete((refused, failure) -> record(step, liveRefusal,
                        failure != null ? Reason.BACKEND_FAILURE : refused));
    }

    /** A permit taken as if the request held it for the live policy's mean hold time. */
    private CompletableFuture<Reason> asIf(Step step) {
        return limiter.acquire(step.key, step.cost, 0).thenApply((PermitOutcome outcome) -> {
            if (!outcome.granted()) {
                return outcome.reason();
            }
            long hold = step.compiled.binding.holds.meanNanos();
            if (hold <= 0) {
                outcome.lease().release();
            } else {
                scheduler.schedule(outcome.lease()::release, hold);
            }
            return null;
        });
    }

    private void record(Step step, Reason live, Reason candidate) {
        int cell = (live == null ? 0 : 1) + (candidate == null ? 0 : 2);
        cells[cell].increment();
        counters[cell].increment();
        if (live != null) {
            liveReasons.computeIfAbsent(live.wire(), r -> new LongAdder()).increment();
        }
        if (candidate != null) {
            candidateReasons.computeIfAbsent(candidate.wire(), r -> new LongAdder()).increment();
        }
        if (live == null && candidate != null && sketchedKeys != null) {
            sketchedKeys.record(step.key);
        } else if (live == null && candidate != null) {
            LongAdder keyCount = candidateOnlyKeys.get(step.key);
            if (keyCount == null && candidateOnlyKeys.size() < Candidates.MAX_KEYS) {
                keyCount = candidateOnlyKeys.computeIfAbsent(step.key, k -> new LongAdder());
            }
            if (keyCount != null) {
                keyCount.increment();
            }
        }
    }

    /** @param keys how many exactly counted keys to give (sketched ones are given whole: at most the sketch's) */
    Candidates.Counts counts(int keys) {
        if (sketchedKeys != null) {
            FrequentKeys.Snapshot snapshot = sketchedKeys.snapshot();
            return new Candidates.Counts(stored.id(), cells[0].sum(), cells[1].sum(), cells[2].sum(), cells[3].sum(),
                    sums(liveReasons), sums(candidateReasons), Candidates.sorted(snapshot.lowerBounds(), Integer.MAX_VALUE),
                    Candidates.KeyCounting.SKETCH, snapshot.maximumError());
        }
        return new Candidates.Counts(stored.id(), cells[0].sum(), cells[1].sum(), cells[2].sum(), cells[3].sum(),
                sums(liveReasons), sums(candidateReasons), Candidates.sorted(sums(candidateOnlyKeys), keys));
    }

    private Map<String, Long> sums(Map<String, LongAdder> counts) {
        Map<String, Long> sums = new LinkedHashMap<>();
        counts.forEach((name, n) -> sums.put(name, n.sum()));
        return sums;
    }

    void discard() {
        limiter.unbind();
        for (Counter counter : counters) {
            registry.remove(counter);
        }
    }
}
