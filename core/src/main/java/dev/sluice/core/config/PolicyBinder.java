package dev.sluice.core.config;

import static dev.sluice.core.config.BindProblems.join;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns {@link ConfigNode}s into policy records, collecting every problem with the source, the line and column of
 * the offending value, the field's path and what is allowed. A part that has a problem is left out; the caller
 * refuses the whole set when any problem was found. Not thread-safe: one binder per document.
 */
final class PolicyBinder {
    static final List<String> SET_FIELDS = List.of("policies", "trusted-proxies");
    static final List<String> QUEUE_FIELDS = List.of("depth", "max-wait", "fair-by", "weights", "default-weight",
            "flow-depth");
    static final List<String> POLICY_FIELDS = List.of("name", "match", "key", "missing-key", "scope", "rate",
            "quota", "cost", "concurrency", "queue", "reject", "headers", "mode", "on-backend-failure",
            "top-keys");

    private final BindProblems problems;
    private final Scalars scalars;
    private final MatchBinder matches;
    private final LimitBinder limits;
    private final QueueBinder queues;

    PolicyBinder(String source, List<ConfigException.Problem> problems) {
        this.problems = new BindProblems(source, problems);
        this.scalars = new Scalars(this.problems);
        this.matches = new MatchBinder(this.problems, scalars);
        this.limits = new LimitBinder(this.problems, scalars);
        this.queues = new QueueBinder(this.problems, scalars);
    }

    PolicySet set(ConfigNode root) {
        if (!problems.expect(root, ConfigNode.Kind.OBJECT, "", "must be an object with a \"policies\" list")) {
            return null;
        }
        problems.unknown(root, "", SET_FIELDS);
        ConfigNode list = root.member("policies");
        List<Policy> policies = new ArrayList<>();
        if (list == null) {
            problems.problem(root, "policies", "is required: a list of policies (it may be empty)");
        } else if (problems.expect(list, ConfigNode.Kind.ARRAY, "policies", "must be a list of policies")) {
            Set<String> names = new LinkedHashSet<>();
            for (int i = 0; i < list.items.size(); i++) {
                String path = "policies[" + i + "]";
                Policy policy = policy(list.items.get(i), path, null);
                if (policy != null && !names.add(policy.name())) {
                    ConfigNode name = list.items.get(i).member("name");
                    problems.problem(name, path + ".name", "must be unique; an earlier policy has it, got "
                            + FieldException.render(policy.name()));
                }
                policies.add(policy);
            }
        }
        List<String> proxies = new ArrayList<>();
        ConfigNode proxyList = root.member("trusted-proxies");
        if (proxyList != null) {
            List<String> texts = scalars.strings(proxyList, "trusted-proxies", true);
            if (texts != null) {
                for (int i = 0; i < texts.size(); i++) {
                    try {
                        dev.sluice.core.key.Cidr.parse(texts.get(i));
                        proxies.add(texts.get(i));
                    } catch (IllegalArgumentException bad) {
                        ConfigNode at = proxyList.kind == ConfigNode.Kind.ARRAY ? proxyList.items.get(i) : proxyList;
                        problems.problem(at, "trusted-proxies[" + i + "]", bad.getMessage());
                    }
                }
            }
        }
        if (policies.contains(null)) {
            return null;
        }
        return new PolicySet(policies, proxies);
    }

    /**
     * One policy.
     *
     * @param expectedName when not null, the name the policy must have; the body may then leave the name out
     */
    Policy policy(ConfigNode node, String path, String expectedName) {
        if (!problems.expect(node, ConfigNode.Kind.OBJECT, path, "must be an object describing a policy")) {
            return null;
        }
        int before = problems.count();
        problems.unknown(node, path, POLICY_FIELDS);
        String name = expectedName;
        ConfigNode nameNode = node.member("name");
        if (nameNode != null) {
            String given = scalars.string(nameNode, join(path, "name"));
            if (given != null && expectedName != null && !given.equals(expectedName)) {
                problems.problem(nameNode, join(path, "name"), "must be " + FieldException.render(expectedName)
                        + " (the name in the URL; a policy cannot be renamed), got " + FieldException.render(given));
            }
            name = given != null ? given : name;
        } else if (expectedName == null) {
            problems.problem(node, join(path, "name"), "is required");
        }
        Policy.Builder builder = Policy.builder(name);
        optional(node, path, "match", matches::match, builder::match);
        optional(node, path, "key",
                (n, p) -> problems.record(n, p, () -> KeyExpression.parse(scalars.string(n, p)), null), builder::key);
        optional(node, path, "missing-key", (n, p) -> scalars.choice(n, p, MissingKey.class), builder::missingKey);
        optional(node, path, "scope", (n, p) -> scalars.choice(n, p, Scope.class), builder::scope);
        optional(node, path, "rate", limits::rate, builder::rate);
        optional(node, path, "quota", limits::quota, builder::quota);
        optional(node, path, "cost", limits::cost, builder::cost);
        optional(node, path, "concurrency", limits::concurrency, builder::concurrency);
        optional(node, path, "queue", queues::queue, builder::queue);
        optional(node, path, "reject", limits::reject, builder::reject);
        optional(node, path, "headers", (n, p) -> scalars.choice(n, p, HeaderStyle.class), builder::headers);
        optional(node, path, "mode", (n, p) -> scalars.choice(n, p, Mode.class), builder::mode);
        optional(node, path, "on-backend-failure", (n, p) -> scalars.choice(n, p, BackendFailure.class),
                builder::onBackendFailure);
        // YAML 1.1 readers turn a bare off/on into a boolean: both spellings mean the same here
        optional(node, path, "top-keys", (n, p) -> n.kind == ConfigNode.Kind.BOOLEAN
                ? (Boolean.TRUE.equals(n.scalar) ? TopKeys.ON : TopKeys.OFF) : scalars.choice(n, p, TopKeys.class),
                builder::topKeys);
        if (problems.count() != before) {
            return null;
        }
        try {
            return builder.build();
        } catch (FieldException invalid) {
            problems.invalid(node, path, invalid.field(), invalid);
            return null;
        }
    }

    // ---------------------------------------------------------------- plumbing

    private interface Part<T> {
        T bind(ConfigNode node, String path);
    }

    private <T> void optional(ConfigNode node, String path, String field, Part<T> part,
            Function<T, Policy.Builder> into) {
        ConfigNode value = node.member(field);
        if (value == null || value.kind == ConfigNode.Kind.NULL) {
            return;
        }
        T bound = part.bind(value, join(path, field));
        if (bound != null) {
            into.apply(bound);
        }
    }
}
