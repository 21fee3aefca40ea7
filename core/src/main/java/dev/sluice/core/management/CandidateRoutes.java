package dev.sluice.core.management;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.Durations;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicyParser;
import dev.sluice.core.config.PolicyWriter;
import dev.sluice.core.engine.Candidates;
import dev.sluice.core.spi.CandidateStore;
import dev.sluice.core.spi.StoredCandidate;
import dev.sluice.core.spi.VersionConflictException;
import dev.sluice.core.spi.VersionedPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.LoggerFactory;

/**
 * {@code /policies/{name}/candidate} and {@code /policies/{name}/candidate/promote}: a proposed definition run beside
 * the live policy ({@link Candidates}) on every node, kept in the {@link CandidateStore}. PUT takes a full definition,
 * PATCH a JSON merge patch against the live one; either may carry {@code "expires": "<duration>"} (default 1h, at
 * most 1d) beside the definition, and both honour {@code If-Match} / {@code If-None-Match} on the live version. GET
 * reports the 2x2 of decisions since it started, summed over the nodes; DELETE discards it; POST .../promote with
 * {@code If-Match} on the live version makes it the live definition (compare and set, audited as "promote") and
 * discards it. Writes run on the management service's writer thread and may block on the stores.
 */
final class CandidateRoutes {
    private static final String SOURCE = "request body";
    private static final List<String> PUT_TYPES = List.of("application/json");
    private static final List<String> PATCH_TYPES = List.of("application/merge-patch+json", "application/json");
    /** How long a write waits for the candidate store (the service answers 504 after its own timeout anyway). */
    private static final long STORE_WAIT_SECONDS = 10;
    /** Keys of {@code candidate-only-keys} in a report. */
    private static final int REPORTED_KEYS = 10;

    private final Sluice sluice;
    private final AuditLog audit;
    private final Clock clock;
    private final PolicyParser parser = new PolicyParser();

    CandidateRoutes(Sluice sluice, AuditLog audit, Clock clock) {
        this.sluice = sluice;
        this.audit = audit;
        this.clock = clock;
    }

    /** The candidate and its counts: this node's now, the other nodes' as of their last publication. */
    CompletableFuture<ManagementResponse> get(String name) {
        Optional<VersionedPolicy> live = sluice.policyStore().get(name);
        if (live.isEmpty()) {
            return done(ManagementService.noSuchPolicy(name));
        }
        Optional<StoredCandidate> found = current(name);
        if (found.isEmpty()) {
            return done(noCandidate(name));
        }
        StoredCandidate stored = found.get();
        CandidateStore store = sluice.candidateStore();
        Candidates.Counts mine = sluice.candidateCounts(name).filter(c -> c.id().equals(stored.id()))
                .orElse(new Candidates.Counts(stored.id(), 0, 0, 0, 0, Map.of(), Map.of(), Map.of()));
        String self = store.node();
        return store.counts(name).thenApply(published -> {
            Candidates.Counts sum = mine;
            TreeSet<String> nodes = new TreeSet<>();
            nodes.add(self);
            for (Map.Entry<String, String> other : published.entrySet()) {
                if (other.getKey().equals(self)) {
                    continue;
                }
                try {
                    Candidates.Counts counts = Candidates.Counts.decode(other.getValue());
                    if (counts.id().equals(stored.id())) {
                        sum = sum.plus(counts);
                        nodes.add(other.getKey());
                    }
                } catch (RuntimeException unreadable) {
                    LoggerFactory.getLogger(ManagementService.class).warn("Sluice: node {} published unreadable "
                            + "candidate counts of policy '{}': {}", other.getKey(), name, unreadable.toString());
                }
            }
            Map<String, Object> body = view(stored, live.get().version());
            Map<String, Object> decisions = new LinkedHashMap<>();
            decisions.put("both-admit", sum.bothAdmit());
            decisions.put("only-live-refuses", sum.onlyLiveRefuses());
            decisions.put("only-candidate-refuses", sum.onlyCandidateRefuses());
            decisions.put("both-refuse", sum.bothRefuse());
            body.put("decisions", decisions);
            body.put("live-reasons", sum.liveReasons());
            body.put("candidate-reasons", sum.candidateReasons());
            body.put("candidate-only-keys", keys(sum));
            body.put("candidate-only-keys-counted", counted(sum));
            body.put("nodes", List.copyOf(nodes));
            return ManagementResponse.json(200, Json.write(body), Map.of());
        });
    }

    /** PUT (a full definition) or PATCH (a merge patch against the live definition). */
    ManagementResponse write(ManagementRequest request, Caller caller, String name, boolean patch) {
        PolicyWrites.Change change = PolicyWrites.change(request, patch ? PATCH_TYPES : PUT_TYPES);
        if (change.problem() != null) {
            return change.problem();
        }
        Optional<VersionedPolicy> live = sluice.policyStore().get(name);
        if (live.isEmpty()) {
            return ManagementService.noSuchPolicy(name);
        }
        long version = live.get().version();
        if (!change.preconditions().hold(version)) {
            return change.preconditions().failed(name, version);
        }
        Map<String, Object> body = Json.readObject(change.body());
        if (body == null) {
            return Problems.invalid(invalid("", "must be a JSON object: the candidate's definition and an optional "
                    + "\"expires\""));
        }
        Object expiresValue = body.remove("expires");
        Duration expires = Candidates.DEFAULT_EXPIRY;
        if (expiresValue != null) {
            try {
                expires = expiresValue instanceof String text ? Durations.parse(text) : null;
            } catch (IllegalArgumentException malformed) {
                expires = null;
            }
            if (expires == null || expires.isZero() || expires.compareTo(Candidates.MAX_EXPIRY) > 0) {
                return Problems.invalid(invalid("expires", "must be a duration from 1ms to 1d such as 30m, got "
                        + Json.clip(Json.write(expiresValue))));
            }
        }
        Policy candidate;
        try {
            String definition = Json.write(body);
            candidate = patch ? parser.patch(live.get().policy(), definition, SOURCE)
                    : parser.parsePolicy(definition, SOURCE, name);
            sluice.check(candidate, SOURCE);
        } catch (ConfigException refused) {
            return Problems.invalid(refused);
        }
        if (candidate.scope() != live.get().policy().scope()) {
            return Problems.invalid(invalid("scope", "must stay " + live.get().policy().scope().name()
                    .toLowerCase(Locale.ROOT) + " (the live policy's): a candidate runs on the live policy's requests "
                    + "and keys"));
        }
        long now = clock.millis();
        StoredCandidate stored = new StoredCandidate(UUID.randomUUID().toString(), name,
                PolicyWriter.toJson(candidate), version, now, now + expires.toMillis());
        boolean replaced = current(name).isPresent();
        await(sluice.candidateStore().put(stored));
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("candidate", PolicyWriter.toTree(candidate));
        extra.put("expires", Instant.ofEpochMilli(stored.expiresAtMillis()).toString());
        if (patch) {
            extra.put("change", body);
        }
        PolicyWrites.stored(audit.record(caller, patch ? "candidate-patch" : "candidate-put", name, live.get(), null,
                extra));
        return ManagementResponse.json(replaced ? 200 : 201, Json.write(view(stored, version)), Map.of());
    }

    ManagementResponse delete(ManagementRequest request, Caller caller, String name) {
        Preconditions conditions = Preconditions.of(request);
        if (conditions.problem() != null) {
            return conditions.problem();
        }
        Optional<VersionedPolicy> live = sluice.policyStore().get(name);
        if (live.isEmpty()) {
            return ManagementService.noSuchPolicy(name);
        }
        if (!conditions.hold(live.get().version())) {
            return conditions.failed(name, live.get().version());
        }
        Optional<StoredCandidate> removed = await(sluice.candidateStore().remove(name));
        if (removed.isEmpty() || removed.get().expiredAt(clock.millis())) {
            return noCandidate(name);
        }
        PolicyWrites.stored(audit.record(caller, "candidate-delete", name, live.get(), null,
                Map.of("candidate", Json.readObject(removed.get().definitionJson()))));
        return ManagementResponse.empty(204);
    }

    /**
     * Makes the candidate live when {@code If-Match} names the live version (428 without it, 412 when it is stale),
     * as one compare-and-set write of the policy, so the live state carries over as on any live change; audited;
     * then the candidate is discarded.
     */
    ManagementResponse promote(ManagementRequest request, Caller caller, String name) {
        Preconditions conditions = Preconditions.of(request);
        if (conditions.problem() != null) {
            return conditions.problem();
        }
        Optional<VersionedPolicy> before = sluice.policyStore().get(name);
        if (before.isEmpty()) {
            return ManagementService.noSuchPolicy(name);
        }
        Optional<StoredCandidate> candidate = current(name);
        if (candidate.isEmpty()) {
            return noCandidate(name);
        }
        if (conditions.ifMatch() == null) {
            return Problems.of(428, "precondition-required", "If-Match required",
                    "Promote with If-Match: the ETag of the live version the candidate is to replace (GET "
                            + "/policies/" + name + ").", Map.of("policy", name, "current-version",
                            before.get().version()));
        }
        long version = before.get().version();
        if (!conditions.hold(version)) {
            return conditions.failed(name, version);
        }
        Policy definition;
        try {
            definition = parser.parsePolicy(candidate.get().definitionJson(), "candidate of " + name, name);
            sluice.check(definition, SOURCE);
        } catch (ConfigException refused) {
            return Problems.invalid(refused);
        }
        VersionedPolicy written;
        try {
            written = sluice.policyStore().put(definition, version);
        } catch (VersionConflictException conflict) {
            return Problems.conflict(conflict);
        }
        await(sluice.candidateStore().remove(name));
        PolicyWrites.stored(audit.record(caller, "promote", name, before.get(), written,
                Map.of("candidate-version", candidate.get().liveVersion())));
        return ManagementResponse.json(200, Json.write(Map.of("name", name, "version", written.version(),
                "definition", PolicyWriter.toTree(written.policy()))), Map.of("ETag", PolicyWrites.etag(written)));
    }

    /** The stored candidate of {@code name}, unless there is none or it expired (then it is removed). */
    private Optional<StoredCandidate> current(String name) {
        Optional<StoredCandidate> stored = sluice.candidateStore().get(name);
        if (stored.isPresent() && stored.get().expiredAt(clock.millis())) {
            sluice.candidateStore().remove(name);
            return Optional.empty();
        }
        return stored;
    }

    /**
     * The {@value #REPORTED_KEYS} keys the candidate alone refused most: {@code count} is the estimate, the true
     * count lies between {@code lower} and {@code upper} (all three equal when counted exactly).
     */
    private static List<Object> keys(Candidates.Counts sum) {
        List<Object> keys = new ArrayList<>();
        sum.candidateOnlyKeys().entrySet().stream().limit(REPORTED_KEYS).forEach(key -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("key", key.getKey());
            row.put("count", key.getValue() + sum.keyError());
            row.put("lower", key.getValue());
            row.put("upper", key.getValue() + sum.keyError());
            keys.add(row);
        });
        return keys;
    }

    /** How the keys were counted: {@code sketch} with its error bound, or {@code exact} with its key limit. */
    private static Map<String, Object> counted(Candidates.Counts sum) {
        Map<String, Object> counted = new LinkedHashMap<>();
        counted.put("method", sum.keyCounting().name().toLowerCase(Locale.ROOT));
        if (sum.keyCounting() == Candidates.KeyCounting.SKETCH) {
            counted.put("max-error", sum.keyError());
        } else {
            counted.put("max-keys", Candidates.MAX_KEYS);
        }
        return counted;
    }

    private Map<String, Object> view(StoredCandidate stored, long liveVersion) {
        long now = clock.millis();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("policy", stored.policy());
        view.put("live-version", liveVersion);
        view.put("candidate-of-version", stored.liveVersion());
        view.put("definition", Json.readObject(stored.definitionJson()));
        view.put("started", Instant.ofEpochMilli(stored.startedAtMillis()).toString());
        view.put("expires", Instant.ofEpochMilli(stored.expiresAtMillis()).toString());
        view.put("running-seconds", Math.max(0, now - stored.startedAtMillis()) / 1000.0);
        view.put("expires-in-seconds", Math.max(0, stored.expiresAtMillis() - now) / 1000.0);
        return view;
    }

    private static ConfigException invalid(String field, String message) {
        return new ConfigException(new ConfigException.Problem(SOURCE, 0, 0, field, message));
    }

    /** Waits on the writer thread for a store; its failure becomes the call's (503/504 via the service). */
    private static <T> T await(CompletableFuture<T> stored) {
        try {
            return stored.get(STORE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the candidate", interrupted);
        } catch (ExecutionException failed) {
            throw new java.util.concurrent.CompletionException(failed.getCause());
        } catch (TimeoutException late) {
            throw new java.util.concurrent.CompletionException(late);
        }
    }

    private static ManagementResponse noCandidate(String name) {
        return Problems.of(404, "no-candidate", "No candidate", "Policy '" + Json.clip(name)
                + "' has no candidate (or it expired). PUT or PATCH /policies/" + Json.clip(name)
                + "/candidate starts one.", Map.of("policy", name));
    }

    private static CompletableFuture<ManagementResponse> done(ManagementResponse response) {
        return CompletableFuture.completedFuture(response);
    }
}
