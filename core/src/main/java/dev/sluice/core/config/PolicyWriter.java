package dev.sluice.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import tools.jackson.databind.json.JsonMapper;

/**
 * Renders policies in the shape configuration writes them (a rate's burst only when it differs from its limit), so that what the management API shows can be sent back
 * as it is: {@code parsePolicy(toJson(p))} equals {@code p}. Thread-safe.
 */
public final class PolicyWriter {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PolicyWriter() {}

    /** The full definition as nested maps and lists (kebab-case keys, durations like {@code 1s}, enums in lower case). */
    public static Map<String, Object> toTree(Policy policy) {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("name", policy.name());
        Map<String, Object> match = new LinkedHashMap<>();
        match.put("paths", policy.match().paths());
        match.put("methods", new ArrayList<>(new TreeSet<>(policy.match().methods())));
        List<Map<String, Object>> headers = new ArrayList<>();
        for (HeaderCondition condition : policy.match().headers()) {
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("name", condition.name());
            if (condition.value() != null) {
                header.put("value", condition.value());
            }
            headers.add(header);
        }
        match.put("headers", headers);
        tree.put("match", match);
        tree.put("key", policy.key().toString());
        tree.put("missing-key", Scalars.wire(policy.missingKey()));
        tree.put("scope", Scalars.wire(policy.scope()));
        if (policy.rate() != null) {
            // A burst equal to the limit is left out, so that a merge patch of the limit alone moves the burst too.
            Rate rate = policy.rate();
            tree.put("rate", rate.burst() == rate.limit()
                    ? ordered("limit", rate.limit(), "period", Durations.format(rate.period()))
                    : ordered("limit", rate.limit(), "period", Durations.format(rate.period()), "burst", rate.burst()));
        }
        if (policy.quota() != null) {
            tree.put("quota", ordered("limit", policy.quota().limit(), "period",
                    Durations.format(policy.quota().period())));
        }
        Cost cost = policy.cost();
        tree.put("cost", cost.header() == null ? (Object) cost.fixed()
                : ordered("header", cost.header(), "max", cost.max(), "default", cost.fixed()));
        if (policy.concurrency() != null) {
            tree.put("concurrency", ordered("permits", policy.concurrency().permits(), "lease",
                    Durations.format(policy.concurrency().lease())));
        }
        if (policy.queue() != null) {
            Map<String, Object> queue = ordered("depth", policy.queue().depth(), "max-wait",
                    Durations.format(policy.queue().maxWait()));
            if (policy.queue().fair()) {
                queue.put("fair-by", policy.queue().fairBy().toString());
                if (!policy.queue().weights().isEmpty()) {
                    queue.put("weights", new java.util.LinkedHashMap<>(policy.queue().weights()));
                }
                queue.put("default-weight", policy.queue().defaultWeight());
                queue.put("flow-depth", policy.queue().flowDepth());
            }
            tree.put("queue", queue);
        }
        if (policy.reject().status() != null) {
            tree.put("reject", ordered("status", policy.reject().status()));
        }
        tree.put("headers", Scalars.wire(policy.headers()));
        tree.put("mode", Scalars.wire(policy.mode()));
        tree.put("on-backend-failure", Scalars.wire(policy.onBackendFailure()));
        tree.put("top-keys", Scalars.wire(policy.topKeys()));
        return tree;
    }

    /** The full definition as JSON. */
    public static String toJson(Policy policy) {
        return toJson(toTree(policy));
    }

    /** Any tree of maps, lists and scalars as JSON. */
    public static String toJson(Object tree) {
        return JSON.writeValueAsString(tree);
    }

    private static Map<String, Object> ordered(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
