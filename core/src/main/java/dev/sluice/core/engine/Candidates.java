package dev.sluice.core.engine;

import dev.sluice.core.Admission;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicyParser;
import dev.sluice.core.local.LocalBackend;
import dev.sluice.core.spi.CandidateStore;
import dev.sluice.core.spi.StoredCandidate;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.top.FrequentKeys;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Candidate policies on this node: a proposed definition of a live policy, evaluated beside it on the same requests
 * and keys with state of its own, never changing a response. The candidates come from the {@link CandidateStore}
 * ({@link #sync}); every node evaluates them on its own requests.
 *
 * <p>After the live decision, each policy with a candidate that the live run reached is decided again by its
 * candidate, without waiting: a rate candidate takes tokens from its own buckets; a concurrency candidate takes a
 * permit of its own semaphores "as if" and gives it back after the live policy's mean hold time on this node
 * ({@link HoldTimes}; at once before the live policy has released any permit), never queueing or holding the request.
 * The candidate's state is node-local: for a cluster-scope policy, this node's share of its limits (each divided by
 * the members, as {@code on-backend-failure: local} does), so a candidate adds no call to the cluster on a request.
 *
 * <p>The outcomes are counted in the 2x2 of (live, candidate) x (admit, refuse), in
 * {@code sluice_candidate_decisions_total{policy, live, candidate}}, with the reasons and the keys only the candidate
 * refuses. Those keys are counted in a frequent-items sketch ({@link FrequentKeys}, the top-keys sketches' kind) when
 * the live policy keeps top-keys sketches when the candidate starts on this node, else exactly for the first
 * {@value #MAX_KEYS} distinct keys ({@link KeyCounting}). A candidate expires on its own. Thread-safe.
 */
public final class Candidates implements AutoCloseable {
    /** Keys tracked per candidate for the "only the candidate refuses" list, beyond which new keys are not added. */
    public static final int MAX_KEYS = 1_000;
    /** Keys of that list a node publishes for the others (a sketch's are published whole). */
    static final int PUBLISHED_KEYS = 100;
    public static final Duration DEFAULT_EXPIRY = Duration.ofHours(1);
    public static final Duration MAX_EXPIRY = Duration.ofDays(1);
    private static final Logger LOG = LoggerFactory.getLogger(Candidates.class);
    /** Reads what other nodes publish leniently: a field an older or newer node lacks is 0 or null, not an error. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private final Scheduler scheduler;
    private final MeterRegistry registry;
    private final Clock clock;
    private final IntSupplier members;
    private final LocalBackend backend;
    private final Predicate<String> sketched;
    private final PolicyParser parser = new PolicyParser();
    private final Map<String, Candidate> byPolicy = new ConcurrentHashMap<>();
    private final Set<String> published = new HashSet<>();

    /**
     * @param members  the cluster's members as last seen, for the share of a cluster-scope candidate
     * @param sketched whether the live policy of that name keeps top-keys sketches ({@code top-keys: on})
     */
    Candidates(Scheduler scheduler, MeterRegistry registry, Clock clock, IntSupplier members,
            Predicate<String> sketched) {
        this.scheduler = scheduler;
        this.registry = registry;
        this.clock = clock;
        this.members = members;
        this.sketched = sketched;
        this.backend = new LocalBackend(scheduler);
    }

    /**
     * Follows the store: a candidate whose id this node already evaluates goes on with its state and counts; a new
     * id starts afresh; a candidate no longer stored is discarded. A definition this node cannot read is logged and
     * skipped. Serialised; must not block (called from store listener threads).
     */
    public synchronized void sync(Map<String, StoredCandidate> stored) {
        long now = clock.millis();
        for (StoredCandidate candidate : stored.values()) {
            Candidate current = byPolicy.get(candidate.policy());
            if ((current != null && current.stored.id().equals(candidate.id())) || candidate.expiredAt(now)) {
                continue;
            }
            Policy policy;
            try {
                policy = parser.parsePolicy(candidate.definitionJson(), "candidate of " + candidate.policy(),
                        candidate.policy());
            } catch (ConfigException unreadable) {
                LOG.warn("Sluice: the candidate of policy '{}' cannot be evaluated on this node: {}",
                        candidate.policy(), unreadable.getMessage());
                continue;
            }
            if (current != null) {
                discard(current);   // first: the new candidate's counters start from zero
            }
            byPolicy.put(candidate.policy(), new Candidate(candidate, policy, sketched.test(candidate.policy()), backend,
                    scheduler, registry, members));
        }
        for (Candidate candidate : List.copyOf(byPolicy.values())) {
            if (!stored.containsKey(candidate.stored.policy())) {
                discard(candidate);
            }
        }
    }

    /** This node's counts of {@code policy}'s candidate, unless it has none (or it expired). */
    public Optional<Counts> counts(String policy) {
        Candidate candidate = live(policy);
        return candidate == null ? Optional.empty() : Optional.of(candidate.counts(Integer.MAX_VALUE));
    }

    /**
     * Leaves this node's counts of every candidate in {@code store} for the other nodes, and withdraws those of
     * candidates that ended. Called every publishing interval; does not block.
     */
    public synchronized void publish(CandidateStore store) {
        Set<String> now = new HashSet<>();
        for (String policy : List.copyOf(byPolicy.keySet())) {
            Candidate candidate = live(policy);
            if (candidate != null) {
                store.publish(policy, candidate.counts(PUBLISHED_KEYS).encode());
                now.add(policy);
            }
        }
        for (String gone : published) {
            if (!now.contains(gone)) {
                store.withdraw(gone);
            }
        }
        published.clear();
        published.addAll(now);
    }

    boolean any() {
        return !byPolicy.isEmpty();
    }

    private Candidate live(String policy) {
        Candidate candidate = byPolicy.get(policy);
        if (candidate != null && candidate.stored.expiredAt(clock.millis())) {
            discard(candidate);
            return null;
        }
        return candidate;
    }

    private void discard(Candidate candidate) {
        if (byPolicy.remove(candidate.stored.policy(), candidate)) {
            candidate.discard();
        }
    }

    /** After a live decision on {@code steps}: lets every candidate among them decide too. Never throws. */
    void observe(Step[] steps, int count, Admission live) {
        if (live == null) {
            return;
        }
        try {
            for (int i = 0; i < count; i++) {
                Step step = steps[i];
                boolean refusedHere = step.compiled.name.equals(live.policy());
                Candidate candidate = live(step.compiled.name);
                if (candidate != null) {
                    candidate.decide(step, refusedHere ? live.reason() : null);
                }
                if (refusedHere && !live.admitted()) {
                    return;   // the live run stopped here; later policies were not asked
                }
            }
        } catch (RuntimeException bug) {
            LOG.error("Sluice: a candidate could not decide; the live decision stands", bug);
        }
    }

    @Override
    public synchronized void close() {
        for (Candidate candidate : List.copyOf(byPolicy.values())) {
            discard(candidate);
        }
        backend.close();
    }

    /** How a node counted the keys only the candidate refused. */
    public enum KeyCounting {
        /** Exactly, for the first {@value #MAX_KEYS} distinct keys (later ones are not counted). */
        EXACT,
        /**
         * In a frequent-items sketch ({@link FrequentKeys}): the counts are lower bounds, each true count at most
         * {@link Counts#keyError()} above.
         */
        SKETCH
    }

    /**
     * What a candidate saw on one node, or summed over nodes, since it started.
     *
     * @param id                the candidate's id ({@link StoredCandidate#id()}): counts of another id do not add up
     * @param candidateOnlyKeys the keys only the candidate refused, with how often (a lower bound when sketched), most
     *                          often first
     * @param keyCounting       how those keys were counted ({@code SKETCH} when any node's were sketched; null is read
     *                          as {@code EXACT})
     * @param keyError          the sketches' summed maximum error (0 when exact): a key's true count lies between its
     *                          count and that plus this
     */
    public record Counts(String id, long bothAdmit, long onlyLiveRefuses, long onlyCandidateRefuses, long bothRefuse,
            Map<String, Long> liveReasons, Map<String, Long> candidateReasons, Map<String, Long> candidateOnlyKeys,
            KeyCounting keyCounting, long keyError) {

        public Counts {
            keyCounting = keyCounting == null ? KeyCounting.EXACT : keyCounting;
        }

        /** Counts with the keys counted exactly. */
        public Counts(String id, long bothAdmit, long onlyLiveRefuses, long onlyCandidateRefuses, long bothRefuse,
                Map<String, Long> liveReasons, Map<String, Long> candidateReasons,
                Map<String, Long> candidateOnlyKeys) {
            this(id, bothAdmit, onlyLiveRefuses, onlyCandidateRefuses, bothRefuse, liveReasons, candidateReasons,
                    candidateOnlyKeys, KeyCounting.EXACT, 0);
        }

        /**
         * These counts and {@code other}'s added up (reasons and keys by name), most frequent keys first. Sketched
         * keys add up as merged top-keys sketches do: lower bounds and maximum errors are summed, so the bounds hold
         * for the sum (an exact count is a lower bound with no error).
         */
        public Counts plus(Counts other) {
            return new Counts(id, bothAdmit + other.bothAdmit, onlyLiveRefuses + other.onlyLiveRefuses,
                    onlyCandidateRefuses + other.onlyCandidateRefuses, bothRefuse + other.bothRefuse,
                    sum(liveReasons, other.liveReasons), sum(candidateReasons, other.candidateReasons),
                    sorted(sum(candidateOnlyKeys, other.candidateOnlyKeys), Integer.MAX_VALUE),
                    keyCounting == KeyCounting.SKETCH || other.keyCounting == KeyCounting.SKETCH
                            ? KeyCounting.SKETCH : KeyCounting.EXACT,
                    keyError + other.keyError);
        }

        /** As JSON, for other nodes. */
        public String encode() {
            return JSON.writeValueAsString(this);
        }

        /**
         * Reads what {@link #encode()} wrote.
         *
         * @throws RuntimeException when it is not such a text
         */
        public static Counts decode(String text) {
            return JSON.readValue(text, Counts.class);
        }

        private static Map<String, Long> sum(Map<String, Long> a, Map<String, Long> b) {
            Map<String, Long> sum = new LinkedHashMap<>(a);
            b.forEach((name, n) -> sum.merge(name, n, Long::sum));
            return sum;
        }
    }

    /** The {@code limit} largest of {@code counts}, largest first (ties by name). */
    static Map<String, Long> sorted(Map<String, Long> counts, int limit) {
        List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        Map<String, Long> top = new LinkedHashMap<>();
        for (Map.Entry<String, Long> entry : entries.subList(0, Math.min(limit, entries.size()))) {
            top.put(entry.getKey(), entry.getValue());
        }
        return top;
    }
}
