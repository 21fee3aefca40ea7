package dev.sluice.core.management;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicyParser;
import dev.sluice.core.spi.VersionConflictException;
import dev.sluice.core.spi.VersionedPolicy;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The writes of one policy: PUT (create or replace), PATCH (JSON merge patch) and DELETE, each under the call's
 * {@link Preconditions}. A conditional write is stored only if the version the conditions held for is still current
 * (compare and set); when another write came first, the conditions are evaluated again on the new version, a few
 * times at most. Runs on the management service's writer thread; blocks on the policy store.
 */
final class PolicyWrites {
    private static final String SOURCE = "request body";
    private static final int ATTEMPTS = 5;
    private static final List<String> PUT_TYPES = List.of("application/json", "application/yaml",
            "application/x-yaml", "text/yaml");
    private static final List<String> PATCH_TYPES = List.of("application/merge-patch+json", "application/json");

    private static final int AUDIT_WAIT_SECONDS = 2;

    private final Sluice sluice;
    private final PolicyParser parser = new PolicyParser();
    private final AuditLog audit;
    private final Function<VersionedPolicy, Map<String, Object>> view;

    PolicyWrites(Sluice sluice, AuditLog audit, Function<VersionedPolicy, Map<String, Object>> view) {
        this.sluice = sluice;
        this.audit = audit;
        this.view = view;
    }

    ManagementResponse put(ManagementRequest request, Caller caller, String name) {
        Change change = change(request, PUT_TYPES);
        if (change.problem() != null) {
            return change.problem();
        }
        Policy policy;
        try {
            policy = parser.parsePolicy(change.body(), SOURCE, name);
            sluice.check(policy, SOURCE);
        } catch (ConfigException invalid) {
            return Problems.invalid(invalid);
        }
        Preconditions conditions = change.preconditions();
        for (int attempt = 1; ; attempt++) {
            Optional<VersionedPolicy> before = sluice.policyStore().get(name);
            Long version = before.map(VersionedPolicy::version).orElse(null);
            if (!conditions.hold(version)) {
                return conditions.failed(name, version);
            }
            try {
                VersionedPolicy written = sluice.policyStore().put(policy,
                        conditions.any() ? (version == null ? 0L : version) : null);
                stored(audit.record(caller, "put", name, before.orElse(null), written, Map.of()));
                ManagementResponse response = ManagementResponse.json(before.isPresent() ? 200 : 201,
                        Json.write(view.apply(written)), Map.of("ETag", etag(written)));
                // Relative to the request's own URI, whatever the mount point: the policy's name (letters, digits,
                // '.', '_', '-') resolves to the resource just created.
                return before.isPresent() ? response : response.withHeader("Location", name);
            } catch (VersionConflictException conflict) {
                if (attempt >= ATTEMPTS) {
                    return Problems.conflict(conflict);
                }
            }
        }
    }

    ManagementResponse patch(ManagementRequest request, Caller caller, String name) {
        Change change = change(request, PATCH_TYPES);
        if (change.problem() != null) {
            return change.problem();
        }
        Preconditions conditions = change.preconditions();
        for (int attempt = 1; ; attempt++) {
            Optional<VersionedPolicy> current = sluice.policyStore().get(name);
            if (current.isEmpty()) {
                return ManagementService.noSuchPolicy(name);
            }
            long version = current.get().version();
            if (!conditions.hold(version)) {
                return conditions.failed(name, version);
            }
            Policy patched;
            try {
                patched = parser.patch(current.get().policy(), change.body(), SOURCE);
                sluice.check(patched, SOURCE);
            } catch (ConfigException invalid) {
                return Problems.invalid(invalid);
            }
            try {
                // A patch applies to the version it was computed on: another write in between means read again.
                VersionedPolicy written = sluice.policyStore().put(patched, version);
                Map<String, Object> patch = Json.readObject(change.body());
                stored(audit.record(caller, "patch", name, current.get(), written,
                        patch == null ? Map.of() : Map.of("change", patch)));
                return ManagementResponse.json(200, Json.write(view.apply(written)), Map.of("ETag", etag(written)));
            } catch (VersionConflictException conflict) {
                if (attempt >= ATTEMPTS) {
                    return Problems.conflict(conflict);
                }
            }
        }
    }

    ManagementResponse delete(ManagementRequest request, Caller caller, String name) {
        Preconditions conditions = Preconditions.of(request);
        if (conditions.problem() != null) {
            return conditions.problem();
        }
        for (int attempt = 1; ; attempt++) {
            Optional<VersionedPolicy> current = sluice.policyStore().get(name);
            if (current.isEmpty()) {
                return ManagementService.noSuchPolicy(name);
            }
            long version = current.get().version();
            if (!conditions.hold(version)) {
                return conditions.failed(name, version);
            }
            try {
                Optional<VersionedPolicy> removed = sluice.policyStore().delete(name,
                        conditions.any() ? version : null);
                if (removed.isEmpty()) {
                    return ManagementService.noSuchPolicy(name);
                }
                stored(audit.record(caller, "delete", name, removed.get(), null, Map.of()));
                sluice.candidateStore().remove(name);   // a candidate of a policy that is gone has nothing to run on
                return ManagementResponse.empty(204);
            } catch (VersionConflictException conflict) {
                if (attempt >= ATTEMPTS) {
                    return Problems.conflict(conflict);
                }
            }
        }
    }

    static String etag(VersionedPolicy policy) {
        return "\"" + policy.version() + "\"";
    }

    /** A write's body and conditions, or the problem that stops it (media type, preconditions, encoding). */
    record Change(Preconditions preconditions, String body, ManagementResponse problem) { }

    static Change change(ManagementRequest request, List<String> mediaTypes) {
        String type = request.headers().get("Content-Type");
        String base = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!mediaTypes.contains(base)) {
            ManagementResponse unsupported = Problems.of(415, "unsupported-media-type", "Unsupported media type",
                    "Content-Type " + (type == null ? "is missing" : "'" + Json.clip(type) + "' is not accepted")
                            + "; send one of " + String.join(", ", mediaTypes) + ".");
            return new Change(null, null, mediaTypes.contains("application/merge-patch+json")
                    ? unsupported.withHeader("Accept-Patch", "application/merge-patch+json") : unsupported);
        }
        Preconditions preconditions = Preconditions.of(request);
        if (preconditions.problem() != null) {
            return new Change(null, null, preconditions.problem());
        }
        String body = PathSegments.strictUtf8(request.body());
        if (body == null) {
            return new Change(null, null, Problems.of(400, "bad-encoding", "Body is not UTF-8",
                    "Send the body as UTF-8."));
        }
        // The parser also reads YAML; a body sent as JSON must be JSON, so a YAML text is not taken for it.
        String start = body.strip();
        if (base.endsWith("json") && !start.isEmpty() && start.charAt(0) != '{') {
            return new Change(null, null, Problems.invalid(new ConfigException(new ConfigException.Problem(SOURCE,
                    1, 1, "", "must be a JSON object, as Content-Type " + base + " says; it starts with "
                            + Json.clip(start.substring(0, Math.min(start.length(), 20)))))));
        }
        return new Change(preconditions, body, null);
    }

    /**
     * Waits (on the writer thread, which may block) until the audit entry is stored, so that every node shows it once
     * the change is acknowledged; at most {@value #AUDIT_WAIT_SECONDS} s (the audit log itself logs a failure).
     */
    static void stored(java.util.concurrent.CompletableFuture<Void> entry) {
        try {
            entry.get(AUDIT_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException late) {
            org.slf4j.LoggerFactory.getLogger(ManagementService.class).warn(
                    "Sluice management: the audit entry was not stored within {} s", AUDIT_WAIT_SECONDS);
        }
    }
}
