package dev.sluice.core.management;

import dev.sluice.core.PolicyFigures;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.PolicyWriter;
import dev.sluice.core.spi.BackendHealth;
import dev.sluice.core.spi.KeyState;
import dev.sluice.core.spi.StoreUnavailableException;
import dev.sluice.core.spi.VersionedPolicy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
 *
 * <p>Every resource answers {@code OPTIONS} (204) and every 405 with {@code Allow}; {@code HEAD} answers as
 * {@code GET} without the body. Writes need a token with the role {@code write}, reads a token of either role when the
 * settings say so ({@link ManagementAccess}). A policy's calls honour {@code If-Match} and {@code If-None-Match}
 * ({@link Preconditions}).
 */
public final class ManagementService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ManagementService.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final int MAX_PENDING_WRITES = 1000;
    private static final List<String> READ_ONLY = List.of("GET", "HEAD", "OPTIONS");
    private static final List<String> POLICY = List.of("GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS");
    private static final List<String> KEY = List.of("GET", "HEAD", "DELETE", "OPTIONS");
    private static final List<String> PROMOTE = List.of("POST", "OPTIONS");

    private final Sluice sluice;
    private final ManagementSettings settings;
    private final ManagementAccess access;
    private final AuditLog audit;
    private final PolicyWrites writes;
    private final OperatorReads reads;
    private final CandidateRoutes candidates;
    private final ExecutorService writer;

    /**
     * @throws IllegalArgumentException when the settings' token file cannot be read or is malformed (naming the file
     *                                  and the line)
     */
    public ManagementService(Sluice sluice, ManagementSettings settings) {
        this.sluice = sluice;
        this.settings = settings;
        this.access = new ManagementAccess(settings);
        this.audit = new AuditLog(settings.auditSize(), Clock.systemUTC(), sluice.auditStore());
        this.writes = new PolicyWrites(sluice, audit, this::view);
        this.reads = new OperatorReads(sluice, audit);
        this.candidates = new CandidateRoutes(sluice, audit, Clock.systemUTC());
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
     * Checks the settings' named tokens and token file as a service would at start, for adapters that create the
     * service later (the servlet, on its first call).
     *
     * @throws IllegalArgumentException naming the file or setting, the line and what is wrong
     */
    public static void checkTokens(ManagementSettings settings) {
        ManagementAccess.check(settings);
    }

    /**
     * Answers one call. Never blocks; never completes exceptionally: every failure, even a bug, is a problem
     * response (a bug: 500, logged at ERROR).
     */
    public CompletableFuture<ManagementResponse> handle(ManagementRequest request) {
        CompletableFuture<ManagementResponse> answer;
        try {
            answer = route(request)
                    .orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .exceptionally(failure -> failed(request, failure));
        } catch (Throwable failure) {
            answer = CompletableFuture.completedFuture(failed(request, failure));
        }
        // HEAD answers as GET would, errors included, without the body
        return request != null && "HEAD".equals(request.method()) ? answer.thenApply(ManagementResponse::withoutBody)
                : answer;
    }

    private ManagementResponse failed(ManagementRequest request, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof TimeoutException) {
            return timedOut();
        }
        if (cause instanceof StoreUnavailableException unavailable) {
            return Problems.of(503, "cut-off", "This node cannot change policies now", unavailable.getMessage());
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
        String path = request.path();
        int mark = path.indexOf('?');
        String query = mark < 0 ? null : path.substring(mark + 1);
        List<String> segments = PathSegments.of(mark < 0 ? path : path.substring(0, mark));
        if (segments == null) {
            return done(Problems.of(400, "bad-path", "Malformed path",
                    "The path has an invalid percent-encoding."));
        }
        String method = request.method() == null ? "" : request.method(); // case-sensitive (RFC 9110)
        if (Dashboard.serves(segments)) {
            return done(Dashboard.answer(method, segments));
        }
        int size = segments.size();
        boolean policies = size > 0 && segments.get(0).equals("policies");
        if (size == 1 && policies) {
            return only(request, READ_ONLY, caller -> done(listPolicies()));
        }
        if (size == 2 && policies) {
            String name = segments.get(1);
            return only(request, POLICY, caller -> switch (method) {
                case "GET", "HEAD" -> done(getPolicy(request, name));
                case "PUT" -> write(request, () -> writes.put(request, caller, name));
                case "PATCH" -> write(request, () -> writes.patch(request, caller, name));
                default -> write(request, () -> writes.delete(request, caller, name));
            });
        }
        if (size == 3 && policies && (segments.get(2).equals("top") || segments.get(2).equals("keys"))) {
            String name = segments.get(1);
            boolean top = segments.get(2).equals("top");
            return only(request, READ_ONLY, caller -> (top ? reads.top(name, query) : reads.keys(name, query))
                    .exceptionally(failure -> backendFailed(name, failure)));
        }
        if (size >= 3 && size <= 4 && policies && segments.get(2).equals("candidate")) {
            return candidate(request, method, segments);
        }
        if (size == 4 && policies && segments.get(2).equals("keys")) {
            String name = segments.get(1);
            String key = segments.get(3);
            return only(request, KEY, caller -> method.equals("DELETE") ? resetKey(caller, name, key)
                    : keyState(name, key));
        }
        if (size == 1 && segments.get(0).equals("metrics")) {
            return only(request, READ_ONLY, caller -> done(metrics()));
        }
        if (size == 1 && segments.get(0).equals("health")) {
            return only(request, READ_ONLY, caller -> done(health()));
        }
        if (size == 1 && segments.get(0).equals("audit")) {
            return only(request, READ_ONLY, caller -> reads.audit(query));
        }
        return done(Problems.of(404, "not-found", "No such resource", "Known: /policies, /policies/{name}, "
                + "/policies/{name}/top, /policies/{name}/keys, /policies/{name}/keys/{key}, "
                + "/policies/{name}/candidate, /policies/{name}/candidate/promote, /metrics, /health, /audit."));
    }

    private CompletableFuture<ManagementResponse> candidate(ManagementRequest request, String method,
            List<String> segments) {
        String name = segments.get(1);
        if (segments.size() == 4) {
            if (!segments.get(3).equals("promote")) {
                return done(Problems.of(404, "not-found", "No such resource", "Known: /policies/{name}/candidate, "
                        + "/policies/{name}/candidate/promote."));
            }
            return only(request, PROMOTE, caller -> write(request, () -> candidates.promote(request, caller, name)));
        }
        return only(request, POLICY, caller -> switch (method) {
            case "GET", "HEAD" -> candidates.get(name).exceptionally(failure -> backendFailed(name, failure));
            case "PUT" -> write(request, () -> candidates.write(request, caller, name, false));
            case "PATCH" -> write(request, () -> candidates.write(request, caller, name, true));
            default -> write(request, () -> candidates.delete(request, caller, name));
        });
    }

    private interface Call {
        CompletableFuture<ManagementResponse> run(Caller caller);
    }

    /**
     * Runs a call on a resource that allows {@code allowed}: a method it does not allow answers 405, OPTIONS 204, both
     * with {@code Allow}; HEAD answers as GET without the body; then the caller must be authorized.
     */
    private CompletableFuture<ManagementResponse> only(ManagementRequest request, List<String> allowed, Call call) {
        String method = request.method() == null ? "" : request.method();
        String allow = String.join(", ", allowed);
        if (!allowed.contains(method)) {
            return done(Problems.of(405, "method-not-allowed", "Method not allowed",
                    "'" + Json.clip(method) + "' is not allowed here; allowed: " + allow)
                    .withHeader("Allow", allow));
        }
        ManagementAccess.Decision decision = access.authorize(request, !READ_ONLY.contains(method));
        if (decision.problem() != null) {
            return done(decision.problem());
        }
        if (method.equals("OPTIONS")) {
            return done(ManagementResponse.empty(204).withHeader("Allow", allow));
        }
        return call.run(decision.caller());
    }

    private CompletableFuture<ManagementResponse> write(ManagementRequest request,
            Supplier<ManagementResponse> change) {
        if (request.tooLarge() || request.body().length > settings.maxBodyBytes()) {
            return done(Problems.of(413, "too-large", "Body too large",
                    "The body must be at most " + settings.maxBodyBytes() + " bytes."));
        }
        return CompletableFuture.supplyAsync(change, writer);
    }

    // ---------------------------------------------------------------- reads

    private ManagementResponse listPolicies() {
        List<Object> list = new ArrayList<>();
        for (VersionedPolicy policy : sluice.policyStore().list()) {
            list.add(view(policy));
        }
        return ManagementResponse.json(200, Json.write(Map.of("policies", list)), Map.of());
    }

    /** One policy; If-Match and If-None-Match are honoured (412, or 304 when only If-None-Match failed). */
    private ManagementResponse getPolicy(ManagementRequest request, String name) {
        Preconditions conditions = Preconditions.of(request);
        if (conditions.problem() != null) {
            return conditions.problem();
        }
        Optional<VersionedPolicy> policy = sluice.policyStore().get(name);
        if (policy.isEmpty()) {
            return noSuchPolicy(name);
        }
        long version = policy.get().version();
        String etag = PolicyWrites.etag(policy.get());
        if (conditions.notModified(version)) {
            return ManagementResponse.empty(304).withHeader("ETag", etag);
        }
        if (!conditions.hold(version)) {
            return conditions.failed(name, version);
        }
        return ManagementResponse.json(200, Json.write(view(policy.get())), Map.of("ETag", etag));
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
            live.put("shadow-refused", f.shadowRefused());
            live.put("oldest-waiter-seconds", f.oldestWaiterNanos() / 1e9);
            live.put("queue-wait-p99-seconds", f.queueWaitP99Nanos() / 1e9);
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

    private CompletableFuture<ManagementResponse> resetKey(Caller caller, String name, String key) {
        Optional<CompletableFuture<Boolean>> reset = sluice.resetKey(name, key);
        if (reset.isEmpty()) {
            return done(noSuchPolicy(name));
        }
        return reset.get().thenCompose(had -> audit.record(caller, "reset-key", name, null, null,
                        Map.of("key", key, "had-state", had)).thenApply(stored -> ManagementResponse.empty(204)))
                .exceptionally(failure -> backendFailed(name, failure));
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

    // ---------------------------------------------------------------- helpers

    static ManagementResponse noSuchPolicy(String name) {
        return Problems.of(404, "no-such-policy", "No such policy", "There is no policy named '"
                + (NAME.matcher(name).matches() ? name : Json.clip(name)) + "'. PUT creates one.");
    }

    private static CompletableFuture<ManagementResponse> done(ManagementResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    /** Stops the writer thread (calls in progress finish) and the token file's reloader. */
    @Override
    public void close() {
        writer.shutdown();
        access.close();
    }
}
