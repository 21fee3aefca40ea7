package dev.sluice.core.management;

import dev.sluice.core.PolicyFigures;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicyParser;
import dev.sluice.core.config.PolicyWriter;
import dev.sluice.core.spi.BackendHealth;
import dev.sluice.core.spi.KeyState;
import dev.sluice.core.spi.VersionConflictException;
import dev.sluice.core.spi.VersionedPolicy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management API, free of any HTTP framework: the servlet and the gateway adapt their requests to
 * {@link ManagementRequest} and write the {@link ManagementResponse}. See the README's "Management API" for the
 * calls. Every error is an RFC 9457 problem; no exception leaves {@link #handle}.
 *
 * <p>{@link #handle} never blocks its caller, so adapters may call it on an event loop: reads are answered from this
 * node's state (a key's state may come from the cluster, as a future), and writes, which wait for the policy store
 * (in a cluster, for its backups), run one after the other on a thread this service owns, with at most
 * {@value #MAX_PENDING_WRITES} waiting (beyond: 503). Every call that may wait for the cluster answers 504 after the
 * settings' {@link ManagementSettings#timeout() timeout}; a write that timed out may still be applied. Writes go
 * through the {@link dev.sluice.core.spi.PolicyStore}; every node applies them from there. Thread-safe.
 */
public final class ManagementService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ManagementService.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String SOURCE = "request body";
    private static final int MAX_PENDING_WRITES = 1000;

    private final Sluice sluice;
    private final ManagementSettings settings;
    private final PolicyParser parser = new PolicyParser();
    private final byte[] tokenDigest;
    private final AuditLog audit;
    private final ExecutorService writer;

    public ManagementService(Sluice sluice, ManagementSettings settings) {
        this.sluice = sluice;
        this.settings = settings;
        this.tokenDigest = settings.token() == null ? null : digest(settings.token());
        this.audit = new AuditLog(settings.auditSize(), Clock.systemUTC());
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(MAX_PENDING_WRITES), runnable -> {
                    Thread thread = new Thread(runnable, "sluice-management");
                    thread.setDaemon(true);
                    return thread;
                });
        executor.allowCoreThreadTimeOut(true);
        this.writer = executor;
    }

    /**
     * Answers one call. Never blocks; never completes exceptionally: every failure, even a bug, is a problem
     * response (a bug: 500, logged at ERROR).
     */
    public CompletableFuture<ManagementResponse> handle(ManagementRequest request) {
        try {
            return route(request)
                    .orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .exceptionally(failure -> failed(request, failure));
        } catch (Throwable failure) {
            return CompletableFuture.completedFuture(failed(request, failure));
        }
    }

    private ManagementResponse failed(ManagementRequest request, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof TimeoutException) {
            return timedOut();
        }
        if (cause instanceof RejectedExecutionException) {
            return writer.isShutdown()
                    ? Problems.of(503, "closed", "Shutting down", "The management API has been closed.")
                    : Problems.of(503, "busy", "Too many changes at once",
                            "The management API is applying other changes; try again.");
        }
        LOG.error("Management call {} failed", request == null ? "(none)"
                : request.method() + " " + Json.clip(request.path()), cause);
        return Problems.of(500, "internal", "Internal error", "The call failed; see the server log.");
    }

    private ManagementResponse timedOut() {
        return Problems.of(504, "timeout", "The cluster did not answer in time",
                "No answer within " + settings.timeout().toMillis() + " ms; a change may or may not have been "
                        + "applied: read the policy to see.");
    }

    private CompletableFuture<ManagementResponse> route(ManagementRequest request) {
        List<String> segments = PathSegments.of(request.path());
        if (segments == null) {
            return done(Problems.of(400, "bad-path", "Malformed path",
                    "The path has an invalid percent-encoding."));
        }
        String method = request.method() == null ? "" : request.method(); // case-sensitive (RFC 9110)
        boolean write = !method.equals("GET") && !method.equals("HEAD");
        ManagementResponse denied = authorize(request, write);
        int size = segments.size();
        if (size == 1 && segments.get(0).equals("policies")) {
            return only(method, List.of("GET"), denied, () -> done(listPolicies()));
        }
        if (size == 2 && segments.get(0).equals("policies")) {
            String name = segments.get(1);
            return only(method, List.of("GET", "PUT", "PATCH", "DELETE"), denied, () -> switch (method) {
                case "GET" -> done(getPolicy(name));
                case "PUT" -> write(request, () -> putPolicy(request, name));
                case "PATCH" -> write(request, () -> patchPolicy(request, name));
                default -> write(request, () -> deletePolicy(request, name));
            });
        }
        if (size == 4 && segments.get(0).equals("policies") && segments.get(2).equals("keys")) {
            String name = segments.get(1);
            String key = segments.get(3);
            return only(method, List.of("GET", "DELETE"), denied, () -> method.equals("GET") ? keyState(name, key)
                    : resetKey(request, name, key));
        }
        if (size == 1 && segments.get(0).equals("metrics")) {
            return only(method, List.of("GET"), denied, () -> done(metrics()));
        }
        if (size == 1 && segments.get(0).equals("health")) {
            return only(method, List.of("GET"), denied, () -> done(health()));
        }
        if (size == 1 && segments.get(0).equals("audit")) {
            return only(method, List.of("GET"), denied, () -> done(auditList()));
        }
        return done(Problems.of(404, "not-found", "No such resource", "Known: /policies, /policies/{name}, "
                + "/policies/{name}/keys/{key}, /metrics, /health, /audit."));
    }

    private interface Call {
        CompletableFuture<ManagementResponse> run();
    }

    private static CompletableFuture<ManagementResponse> only(String method, List<String> allowed,
            ManagementResponse denied, Call call) {
        if (!allowed.contains(method)) {
            return done(Problems.of(405, "method-not-allowed", "Method not allowed",
                    "'" + Json.clip(method) + "' is not allowed here; allowed: " + String.join(", ", allowed))
                    .withHeader("Allow", String.join(", ", allowed)));
        }
        if (denied != null) {
            return done(denied);
        }
        return call.run();
    }

    private CompletableFuture<ManagementResponse> write(ManagementRequest request,
            Supplier<ManagementResponse> change) {
        if (request.tooLarge() || request.body().length > settings.maxBodyBytes()) {
            return done(Problems.of(413, "too-large", "Body too large",
                    "The body must be at most " + settings.maxBodyBytes() + " bytes."));
        }
        return CompletableFuture.supplyAsync(change, writer);
    }

    // ---------------------------------------------------------------- auth

    private ManagementResponse authorize(ManagementRequest request, boolean write) {
        if (!write && !settings.readsNeedToken()) {
            return null;
        }
        if (tokenDigest == null) {
            return write ? Problems.of(403, "read-only", "Writes are disabled",
                    "No management token is configured, so this endpoint is read-only. Set the init-param 'token' "
                            + "of SluiceManagementServlet (gateway: sluice.management.token) or the environment "
                            + "variable SLUICE_TOKEN, and send 'Authorization: Bearer <token>'.")
                    : Problems.of(403, "no-token", "Reads need a token, but none is configured",
                    "Set the management token (init-param 'token' or SLUICE_TOKEN).");
        }
        String header = request.headers().get("Authorization");
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).strip() : null;
        if (given == null || !MessageDigest.isEqual(digest(given), tokenDigest)) {
            return Problems.of(401, "unauthorized", "Unauthorized",
                    given == null ? "Send 'Authorization: Bearer <token>'." : "The token is not the management token.")
                    .withHeader("WWW-Authenticate", "Bearer realm=\"sluice\"");
        }
        return null;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", impossible);
        }
    }

    // ---------------------------------------------------------------- reads

    private ManagementResponse listPolicies() {
        List<Object> list = new ArrayList<>();
        for (VersionedPolicy policy : sluice.policyStore().list()) {
            list.add(view(policy));
        }
        return ManagementResponse.json(200, Json.write(Map.of("policies", list)), Map.of());
    }

    private ManagementResponse getPolicy(String name) {
        Optional<VersionedPolicy> policy = sluice.policyStore().get(name);
        if (policy.isEmpty()) {
            return noSuchPolicy(name);
        }
        return ManagementResponse.json(200, Json.write(view(policy.get())), Map.of("ETag", etag(policy.get())));
    }

    private Map<String, Object> view(VersionedPolicy policy) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", policy.name());
        view.put("version", policy.version());
        view.put("definition", PolicyWriter.toTree(policy.policy()));
        Optional<PolicyFigures> figures = sluice.figures(policy.name());
        figures.ifPresent(f -> {
            Map<String, Object> live = new LinkedHashMap<>();
            live.put("admitted", f.admitted());
            live.put("refused", f.refused());
            live.put("refused-by-reason", f.refusedByReason());
            live.put("queued", f.queued());
            live.put("permits-in-use", f.permitsInUse());
            live.put("oldest-waiter-seconds", f.oldestWaiterNanos() / 1e9);
            live.put("keys", f.keys());
            view.put("live", live);
        });
        return view;
    }

    private CompletableFuture<ManagementResponse> keyState(String name, String key) {
        Optional<CompletableFuture<KeyState>> state = sluice.keyState(name, key);
        if (state.isEmpty()) {
            return done(noSuchPolicy(name));
        }
        return state.get().thenApply(s -> {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("policy", name);
            view.put("key", s.key());
            view.put("exists", s.exists());
            view.put("tokens", s.tokens() < 0 ? null : s.tokens());
            view.put("quota-tokens", s.quotaTokens() < 0 ? null : s.quotaTokens());
            view.put("permits-in-use", s.permitsInUse());
            view.put("permits", s.permits());
            view.put("queued", s.queued());
            return ManagementResponse.json(200, Json.write(view), Map.of());
        }).exceptionally(failure -> backendFailed(name, failure));
    }

    private CompletableFuture<ManagementResponse> resetKey(ManagementRequest request, String name, String key) {
        Optional<CompletableFuture<Boolean>> reset = sluice.resetKey(name, key);
        if (reset.isEmpty()) {
            return done(noSuchPolicy(name));
        }
        return reset.get().thenApply(had -> {
            audit.record(request.remoteAddress(), "reset-key", name, null, null,
                    Map.of("key", key, "had-state", had));
            return ManagementResponse.empty(204);
        }).exceptionally(failure -> backendFailed(name, failure));
    }

    /** A key's state or reset failed in the backend (a cluster that cannot answer): 504 or 503, never 500. */
    private ManagementResponse backendFailed(String policy, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof TimeoutException) {
            return timedOut();
        }
        LOG.warn("Sluice management: the backend of policy '{}' could not answer: {}", policy, cause.toString());
        return Problems.of(503, "backend-unavailable", "The backend could not answer",
                "The backend holding policy '" + policy + "' failed: " + Json.clip(String.valueOf(cause.getMessage()))
                        + ". Try again; GET /health shows the backends' state.");
    }

    private ManagementResponse metrics() {
        return PrometheusText.answer(sluice.meterRegistry());
    }

    private ManagementResponse health() {
        List<BackendHealth> backends = sluice.health();
        String status = "UP";
        List<Object> list = new ArrayList<>();
        for (BackendHealth backend : backends) {
            if (backend.status() == BackendHealth.Status.DOWN) {
                status = "DOWN";
            } else if (backend.status() == BackendHealth.Status.DEGRADED && status.equals("UP")) {
                status = "DEGRADED";
            }
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("backend", backend.backend());
            view.put("status", backend.status().name());
            view.put("details", backend.details());
            list.add(view);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("policies", sluice.policies().size());
        body.put("backends", list);
        return ManagementResponse.json(status.equals("DOWN") ? 503 : 200, Json.write(body), Map.of());
    }

    private ManagementResponse auditList() {
        return ManagementResponse.json(200, Json.write(Map.of("entries", audit.entries())), Map.of());
    }

    // ---------------------------------------------------------------- writes

    private ManagementResponse putPolicy(ManagementRequest request, String name) {
        Change change = change(request, List.of("application/json", "application/yaml", "application/x-yaml",
                "text/yaml"));
        if (change.problem() != null) {
            return change.problem();
        }
        Preconditions preconditions = change.preconditions();
        String body = change.body();
        Policy policy;
        try {
            policy = parser.parsePolicy(body, SOURCE, name);
            sluice.check(policy, SOURCE);
        } catch (ConfigException invalid) {
            return Problems.invalid(invalid);
        }
        Optional<VersionedPolicy> before = sluice.policyStore().get(name);
        Long expected = preconditions.expected();
        if (expected != null && expected == Preconditions.EXISTS) {
            if (before.isEmpty()) {
                return Problems.conflict(new VersionConflictException(name, Preconditions.EXISTS, null));
            }
            expected = before.get().version();
        }
        try {
            VersionedPolicy written = sluice.policyStore().put(policy, expected);
            audit.record(request.remoteAddress(), "put", name, before.map(VersionedPolicy::policy).orElse(null),
                    written, Map.of());
            ManagementResponse response = ManagementResponse.json(before.isPresent() ? 200 : 201,
                    Json.write(view(written)), Map.of("ETag", etag(written)));
            // Relative to the request's own URI, whatever the mount point: the policy's name (letters, digits, '.',
            // '_', '-') resolves to the resource just created.
            return before.isPresent() ? response : response.withHeader("Location", name);
        } catch (VersionConflictException conflict) {
            return Problems.conflict(conflict);
        }
    }

    private ManagementResponse patchPolicy(ManagementRequest request, String name) {
        Change change = change(request, List.of("application/merge-patch+json", "application/json"));
        if (change.problem() != null) {
            return change.problem();
        }
        Preconditions preconditions = change.preconditions();
        String body = change.body();
        for (int attempt = 0; ; attempt++) {
            Optional<VersionedPolicy> current = sluice.policyStore().get(name);
            if (current.isEmpty()) {
                return noSuchPolicy(name);
            }
            Policy patched;
            try {
                patched = parser.patch(current.get().policy(), body, SOURCE);
                sluice.check(patched, SOURCE);
            } catch (ConfigException invalid) {
                return Problems.invalid(invalid);
            }
            Long expected = preconditions.expected();
            if (expected != null && expected == 0) {
                return Problems.conflict(new VersionConflictException(name, 0L, current.get().version()));
            }
            if (expected != null && expected > 0 && expected != current.get().version()) {
                return Problems.conflict(new VersionConflictException(name, expected, current.get().version()));
            }
            try {
                VersionedPolicy written = sluice.policyStore().put(patched, current.get().version());
                audit.record(request.remoteAddress(), "patch", name, current.get().policy(), written, Map.of());
                return ManagementResponse.json(200, Json.write(view(written)), Map.of("ETag", etag(written)));
            } catch (VersionConflictException conflict) {
                // Without a version to match (no If-Match, or If-Match: *) the patch applies to whatever is
                // current: read again and retry a few times.
                boolean anyVersion = expected == null || expected == Preconditions.EXISTS;
                if (!anyVersion || attempt >= 4) {
                    return Problems.conflict(conflict);
                }
            }
        }
    }

    private ManagementResponse deletePolicy(ManagementRequest request, String name) {
        Preconditions preconditions = Preconditions.of(request);
        if (preconditions.problem() != null) {
            return preconditions.problem();
        }
        Long expected = preconditions.expected();
        if (expected != null && expected <= 0) {
            if (expected == 0) {
                return Problems.of(400, "bad-precondition", "Malformed conditional header",
                        "If-None-Match: * makes no sense on DELETE.");
            }
            Optional<VersionedPolicy> current = sluice.policyStore().get(name);
            if (current.isEmpty()) {
                return noSuchPolicy(name);
            }
            expected = current.get().version();
        }
        try {
            Optional<VersionedPolicy> removed = sluice.policyStore().delete(name, expected);
            if (removed.isEmpty()) {
                return noSuchPolicy(name);
            }
            audit.record(request.remoteAddress(), "delete", name, removed.get().policy(), null, Map.of());
            return ManagementResponse.empty(204);
        } catch (VersionConflictException conflict) {
            return Problems.conflict(conflict);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** A write's body and conditions, or the problem that stops it (media type, preconditions, encoding). */
    private record Change(Preconditions preconditions, String body, ManagementResponse problem) { }

    private static Change change(ManagementRequest request, List<String> mediaTypes) {
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

    private static ManagementResponse noSuchPolicy(String name) {
        return Problems.of(404, "no-such-policy", "No such policy", "There is no policy named '"
                + (NAME.matcher(name).matches() ? name : Json.clip(name)) + "'. PUT creates one.");
    }

    private static String etag(VersionedPolicy policy) {
        return "\"" + policy.version() + "\"";
    }

    private static CompletableFuture<ManagementResponse> done(ManagementResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    /** Stops the writer thread; calls in progress finish. */
    @Override
    public void close() {
        writer.shutdown();
    }
}
