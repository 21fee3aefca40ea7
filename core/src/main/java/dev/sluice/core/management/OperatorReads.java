package dev.sluice.core.management;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.TopKeys;
import dev.sluice.core.spi.KeyState;
import dev.sluice.core.spi.VersionedPolicy;
import dev.sluice.core.top.Outcome;
import dev.sluice.core.top.TopAnswer;
import dev.sluice.core.top.Window;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The operators' reads: who is being refused ({@code GET /policies/{name}/top}), which keys have state
 * ({@code GET /policies/{name}/keys}) and what was changed ({@code GET /audit}). Never blocks. Thread-safe.
 */
final class OperatorReads {
    static final List<String> TOP_PARAMETERS = List.of("outcome", "window", "limit", "scope");
    static final List<String> KEYS_PARAMETERS = List.of("limit", "after");
    static final List<String> AUDIT_PARAMETERS = List.of("policy", "limit");
    static final int MAX_TOP = 100;
    static final int MAX_KEYS = 1000;
    private static final List<String> OUTCOMES = List.of("refused", "shadow-refused", "admitted");
    private static final List<String> WINDOWS = List.of("1m", "10m");
    private static final List<String> SCOPES = List.of("cluster", "node");

    private final Sluice sluice;
    private final AuditLog audit;

    OperatorReads(Sluice sluice, AuditLog audit) {
        this.sluice = sluice;
        this.audit = audit;
    }

    /**
     * {@code {"policy","outcome","window","nodes","keys":[{"key","estimate","lower","upper"}]}}; {@code scope=node}
     * answers from this node's counts alone (which node saw what), the default {@code cluster} merges every node's.
     */
    CompletableFuture<ManagementResponse> top(String name, String rawQuery) {
        Query query = Query.of(rawQuery, TOP_PARAMETERS);
        if (query.problem() != null) {
            return done(query.problem());
        }
        String outcomeText = query.get("outcome", "refused");
        Outcome outcome = Outcome.parse(outcomeText);
        if (outcome == null) {
            return done(Query.bad("outcome", "must be one of " + String.join(", ", OUTCOMES), outcomeText,
                    OUTCOMES));
        }
        String windowText = query.get("window", "1m");
        Window window = Window.parse(windowText);
        if (window == null) {
            return done(Query.bad("window", "must be one of " + String.join(", ", WINDOWS), windowText, WINDOWS));
        }
        ManagementResponse[] problem = new ManagementResponse[1];
        Integer limit = query.integer("limit", 20, 1, MAX_TOP, problem);
        if (limit == null) {
            return done(problem[0]);
        }
        String scope = query.get("scope", "cluster");
        if (!SCOPES.contains(scope)) {
            return done(Query.bad("scope", "must be one of cluster, node", scope, SCOPES));
        }
        Optional<Policy> policy = live(name);
        if (policy.isEmpty()) {
            return done(ManagementService.noSuchPolicy(name));
        }
        Optional<CompletableFuture<TopAnswer>> answer = policy.get().topKeys() == TopKeys.OFF ? Optional.empty()
                : sluice.topKeys(name, outcome, window, limit, scope.equals("node"));
        if (answer.isEmpty()) {
            return done(Problems.of(409, "top-keys-off", "This policy keeps no top keys",
                    "Policy '" + name + "' has top-keys: off, so its keys are not counted. Set top-keys: on (for "
                            + "example PATCH {\"top-keys\":\"on\"}) to start counting.", Map.of("policy", name)));
        }
        return answer.get().thenApply(top -> {
            List<Object> keys = new ArrayList<>();
            for (TopAnswer.Row row : top.keys()) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("key", row.key());
                item.put("estimate", row.estimate());
                item.put("lower", row.lower());
                item.put("upper", row.upper());
                keys.add(item);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("policy", top.policy());
            body.put("outcome", top.outcome().wire());
            body.put("window", top.window().wire());
            body.put("nodes", top.nodes());
            body.put("keys", keys);
            return ManagementResponse.json(200, Json.write(body), Map.of());
        });
    }

    /** {@code {"policy","keys":[{"key","tokens"?,"quota-tokens"?,"permits-in-use"?,"queued"?}],"next"}}. */
    CompletableFuture<ManagementResponse> keys(String name, String rawQuery) {
        Query query = Query.of(rawQuery, KEYS_PARAMETERS);
        if (query.problem() != null) {
            return done(query.problem());
        }
        ManagementResponse[] problem = new ManagementResponse[1];
        Integer limit = query.integer("limit", 100, 1, MAX_KEYS, problem);
        if (limit == null) {
            return done(problem[0]);
        }
        String cursor = query.get("after", null);
        String after = cursor == null || cursor.isEmpty() ? null : uncursor(cursor);
        if (cursor != null && !cursor.isEmpty() && after == null) {
            return done(Query.bad("after", "must be the 'next' of an earlier page", cursor,
                    List.of("the 'next' value of the previous page")));
        }
        Optional<Policy> policy = live(name);
        Optional<CompletableFuture<List<String>>> page = policy.isEmpty() ? Optional.empty()
                : sluice.keys(name, after, limit + 1);
        if (page.isEmpty()) {
            return done(ManagementService.noSuchPolicy(name));
        }
        return page.get().thenCompose(found -> {
            boolean more = found.size() > limit;
            List<String> shown = more ? found.subList(0, limit) : found;
            List<CompletableFuture<KeyState>> states = new ArrayList<>();
            for (String key : shown) {
                states.add(sluice.keyState(name, key).orElseThrow());
            }
            return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new)).thenApply(all -> {
                List<Object> keys = new ArrayList<>();
                for (CompletableFuture<KeyState> state : states) {
                    keys.add(keyView(policy.get(), state.join()));
                }
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("policy", name);
                body.put("keys", keys);
                body.put("next", more ? cursor(shown.get(shown.size() - 1)) : null);
                return ManagementResponse.json(200, Json.write(body), Map.of());
            });
        });
    }

    private static Map<String, Object> keyView(Policy policy, KeyState state) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("key", state.key());
        if (policy.rate() != null) {
            view.put("tokens", state.tokens());
        }
        if (policy.quota() != null) {
            view.put("quota-tokens", state.quotaTokens());
        }
        if (policy.concurrency() != null) {
            view.put("permits-in-use", state.permitsInUse());
        }
        if (policy.queue() != null) {
            view.put("queued", state.queued());
        }
        return view;
    }

    /** {@code {"entries":[...]}}, newest first, optionally of one policy. */
    CompletableFuture<ManagementResponse> audit(String rawQuery) {
        Query query = Query.of(rawQuery, AUDIT_PARAMETERS);
        if (query.problem() != null) {
            return done(query.problem());
        }
        ManagementResponse[] problem = new ManagementResponse[1];
        Integer limit = query.integer("limit", 100, 1, AuditLog.MAX_READ, problem);
        if (limit == null) {
            return done(problem[0]);
        }
        String policy = query.get("policy", null);
        return audit.entries(policy == null || policy.isEmpty() ? null : policy, limit)
                .thenApply(entries -> ManagementResponse.json(200, Json.write(Map.of("entries", entries)),
                        Map.of()));
    }

    private Optional<Policy> live(String name) {
        for (VersionedPolicy policy : sluice.policies()) {
            if (policy.name().equals(name)) {
                return Optional.of(policy.policy());
            }
        }
        return Optional.empty();
    }

    /** A page cursor: the last key shown, base64url, so that any key travels safely in a query. */
    static String cursor(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    private static String uncursor(String cursor) {
        try {
            return PathSegments.strictUtf8(Base64.getUrlDecoder().decode(cursor));
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }

    private static CompletableFuture<ManagementResponse> done(ManagementResponse response) {
        return CompletableFuture.completedFuture(response);
    }
}
