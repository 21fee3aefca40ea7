package dev.sluice.core.config;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

    private final String source;
    private final List<ConfigException.Problem> problems;

    PolicyBinder(String source, List<ConfigException.Problem> problems) {
        this.source = source;
        this.problems = problems;
    }

    PolicySet set(ConfigNode root) {
        if (!expect(root, ConfigNode.Kind.OBJECT, "", "must be an object with a \"policies\" list")) {
            return null;
        }
        unknown(root, "", SET_FIELDS);
        ConfigNode list = root.member("policies");
        List<Policy> policies = new ArrayList<>();
        if (list == null) {
            problem(root, "policies", "is required: a list of policies (it may be empty)");
        } else if (expect(list, ConfigNode.Kind.ARRAY, "policies", "must be a list of policies")) {
            Set<String> names = new LinkedHashSet<>();
            for (int i = 0; i < list.items.size(); i++) {
                String path = "policies[" + i + "]";
                Policy policy = policy(list.items.get(i), path, null);
                if (policy != null && !names.add(policy.name())) {
                    ConfigNode name = list.items.get(i).member("name");
                    problem(name, path + ".name", "must be unique; an earlier policy has it, got "
                            + FieldException.render(policy.name()));
                }
                policies.add(policy);
            }
        }
        List<String> proxies = new ArrayList<>();
        ConfigNode proxyList = root.member("trusted-proxies");
        if (proxyList != null) {
            List<String> texts = strings(proxyList, "trusted-proxies", true);
            if (texts != null) {
                for (int i = 0; i < texts.size(); i++) {
                    try {
                        dev.sluice.core.key.Cidr.parse(texts.get(i));
                        proxies.add(texts.get(i));
                    } catch (IllegalArgumentException bad) {
                        problem(proxyList.kind == ConfigNode.Kind.ARRAY ? proxyList.items.get(i) : proxyList,
                                "trusted-proxies[" + i + "]", bad.getMessage());
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
        if (!expect(node, ConfigNode.Kind.OBJECT, path, "must be an object describing a policy")) {
            return null;
        }
        int before = problems.size();
        unknown(node, path, POLICY_FIELDS);
        String name = expectedName;
        ConfigNode nameNode = node.member("name");
        if (nameNode != null) {
            String given = string(nameNode, join(path, "name"));
            if (given != null && expectedName != null && !given.equals(expectedName)) {
                problem(nameNode, join(path, "name"), "must be " + FieldException.render(expectedName)
                        + " (the name in the URL; a policy cannot be renamed), got " + FieldException.render(given));
            }
            name = given != null ? given : name;
        } else if (expectedName == null) {
            problem(node, join(path, "name"), "is required");
        }
        Policy.Builder builder = Policy.builder(name);
        optional(node, path, "match", this::match, builder::match);
        optional(node, path, "key", (n, p) -> record(n, p, () -> KeyExpression.parse(string(n, p)), null),
                builder::key);
        optional(node, path, "missing-key", (n, p) -> choice(n, p, MissingKey.class), builder::missingKey);
        optional(node, path, "scope", (n, p) -> choice(n, p, Scope.class), builder::scope);
        optional(node, path, "rate", this::rate, builder::rate);
        optional(node, path, "quota", this::quota, builder::quota);
        optional(node, path, "cost", this::cost, builder::cost);
        optional(node, path, "concurrency", this::concurrency, builder::concurrency);
        optional(node, path, "queue", this::queue, builder::queue);
        optional(node, path, "reject", this::reject, builder::reject);
        optional(node, path, "headers", (n, p) -> choice(n, p, HeaderStyle.class), builder::headers);
        optional(node, path, "mode", (n, p) -> choice(n, p, Mode.class), builder::mode);
        optional(node, path, "on-backend-failure", (n, p) -> choice(n, p, BackendFailure.class),
                builder::onBackendFailure);
        // YAML 1.1 readers turn a bare off/on into a boolean: both spellings mean the same here
        optional(node, path, "top-keys", (n, p) -> n.kind == ConfigNode.Kind.BOOLEAN
                ? (Boolean.TRUE.equals(n.scalar) ? TopKeys.ON : TopKeys.OFF) : choice(n, p, TopKeys.class),
                builder::topKeys);
        if (problems.size() != before) {
            return null;
        }
        try {
            return builder.build();
        } catch (FieldException invalid) {
            ConfigNode at = locate(node, invalid.field());
            problems.add(problemAt(at == null ? node : at, join(path, invalid.field()), message(invalid)));
            return null;
        }
    }

    private Match match(ConfigNode node, String path) {
        if (!expect(node, ConfigNode.Kind.OBJECT, path, "must be an object with paths, methods and headers")) {
            return null;
        }
        unknown(node, path, List.of("paths", "methods", "headers"));
        List<String> paths = node.member("paths") == null ? null : strings(node.member("paths"), join(path, "paths"),
                true);
        List<String> methods = node.member("methods") == null ? null
                : strings(node.member("methods"), join(path, "methods"), true);
        List<HeaderCondition> headers = new ArrayList<>();
        ConfigNode list = node.member("headers");
        if (list != null && expect(list, ConfigNode.Kind.ARRAY, join(path, "headers"),
                "must be a list of {name, value} conditions")) {
            for (int i = 0; i < list.items.size(); i++) {
                ConfigNode item = list.items.get(i);
                String itemPath = join(path, "headers[" + i + "]");
                if (!expect(item, ConfigNode.Kind.OBJECT, itemPath, "must be an object {name, value}")) {
                    continue;
                }
                unknown(item, itemPath, List.of("name", "value"));
                ConfigNode nameNode = item.member("name");
                if (nameNode == null) {
                    problem(item, join(itemPath, "name"), "is required");
                    continue;
                }
                String name = string(nameNode, join(itemPath, "name"));
                String value = item.member("value") == null ? null
                        : string(item.member("value"), join(itemPath, "value"));
                HeaderCondition condition = record(item, itemPath, () -> new HeaderCondition(name, value), null);
                if (condition != null) {
                    headers.add(condition);
                }
            }
        }
        Set<String> upper = null;
        if (methods != null) {
            upper = new LinkedHashSet<>();
            for (String method : methods) {
                upper.add(Match.method(method));
            }
        }
        Set<String> finalMethods = upper;
        return record(node, path, () -> new Match(paths, finalMethods, headers), null);
    }

    private Rate rate(ConfigNode node, String path) {
        if (!expect(node, ConfigNode.Kind.OBJECT, path, "must be an object {limit, period, burst}")) {
            return null;
        }
        unknown(node, path, List.of("limit", "period", "burst"));
        Long limit = requiredInteger(node, path, "limit");
        Duration period = requiredDuration(node, path, "period");
        Long burst = node.member("burst") == null ? limit : integer(node.member("burst"), join(path, "burst"));
        if (limit == null || period == null || burst == null) {
            return null;
        }
        return record(node, path, () -> new Rate(limit, period, burst), null);
    }

    private Quota quota(ConfigNode node, String path) {
        if (!expect(node, ConfigNode.Kind.OBJECT, path, "must be an object {limit, period}")) {
            return null;
        }
        unknown(node, path, List.of("limit", "period"));
        Long limit = requiredInteger(node, path, "limit");
        Duration period = requiredDuration(node, path, "period");
        if (limit == null || period == null) {
            return null;
        }
        return record(node, path, () -> new Quota(limit, period), null);
    }

    private Cost cost(ConfigNode node, String path) {
        if (node.kind == ConfigNode.Kind.INTEGER) {
            Long fixed = integer(node, path);
            return fixed == null ? null : record(node, path, () -> Cost.of(fixed), null);
        }
        if (!expect(node, ConfigNode.Kind.OBJECT, path,
                "must be an integer, or an object {header, max, default}")) {
            return null;
        }
        unknown(node, path, List.of("header", "max", "default"));
        ConfigNode headerNode = node.member("header");
        if (headerNode == null) {
            problem(node, join(path, "header"), "is required in the object form (else write the cost as an integer)");
            return null;
        }
        String header = string(headerNode, join(path, "header"));
        Long max = requiredInteger(node, path, "max");
        Long fixed = node.member("default") == null ? Long.valueOf(1)
                : integer(node.member("default"), join(path, "default"));
        if (header == null || max == null || fixed == null) {
            return null;
        }
        return record(node, path, () -> new Cost(fixed, header, max), "default");
    }

    private Concurrency concurrency(ConfigNode node, String path) {
        if (!expect(node, ConfigNode.Kind.OBJECT, path, "must be an object {permits, lease}")) {
            return null;
        }
        unknown(node, path, List.of("permits", "lease"));
        Long permits = requiredInteger(node, path, "permits");
        Duration lease = node.member("lease") == null ? Concurrency.DEFAULT_LEASE
                : duration(node.member("lease"), join(path, "lease"));
        if (permits == null || lease == null) {
            return null;
        }
        if (permits > Concurrency.MAX_PERMITS) {
            problem(node.member("permits"), join(path, "permits"), "must be an integer from 1 to "
                    + Concurrency.MAX_PERMITS + ", got " + permits);
            return null;
        }
        return record(node, path, () -> new Concurrency(permits.intValue(), lease), null);
    }

    private QueueLimit queue(ConfigNode node, String path) {
        if (!expect(node, ConfigNode.Kind.OBJECT, path, "must be an object {depth, max-wait}")) {
            return null;
        }
        unknown(node, path, QUEUE_FIELDS);
        Long depth = requiredInteger(node, path, "depth");
        Duration maxWait = requiredDuration(node, path, "max-wait");
        if (depth == null || maxWait == null) {
            return null;
        }
        if (depth > QueueLimit.MAX_DEPTH) {
            problem(node.member("depth"), join(path, "depth"), "must be an integer from 1 to " + QueueLimit.MAX_DEPTH
                    + ", got " + depth);
            return null;
        }
        ConfigNode fairByNode = node.member("fair-by");
        KeyExpression fairBy = null;
        if (fairByNode != null && fairByNode.kind != ConfigNode.Kind.NULL) {
            String text = string(fairByNode, join(path, "fair-by"));
            if (text == null) {
                return null;
            }
            fairBy = record(fairByNode, join(path, "fair-by"), () -> KeyExpression.parse(text), null);
            if (fairBy == null) {
                return null;
            }
        }
        KeyExpression flows = fairBy;
        Map<String, Integer> weights = new java.util.LinkedHashMap<>();
        ConfigNode weightNode = node.member("weights");
        if (weightNode != null) {
            String weightsPath = join(path, "weights");
            if (!expect(weightNode, ConfigNode.Kind.OBJECT, weightsPath, "must be an object {\"<value>\": weight}")) {
                return null;
            }
            for (String flow : weightNode.members.keySet()) {
                Long weight = requiredInteger(weightNode, weightsPath, flow);
                if (weight == null) {
                    return null;
                }
                if (weight < 1 || weight > QueueLimit.MAX_WEIGHT) {
                    problem(weightNode.member(flow), join(weightsPath, flow), "must be an integer from 1 to "
                            + QueueLimit.MAX_WEIGHT + ", got " + weight);
                    return null;
                }
                weights.put(flow, weight.intValue());
            }
        }
        Long defaultWeight = node.member("default-weight") == null ? Long.valueOf(1)
                : requiredInteger(node, path, "default-weight");
        Long flowDepth = node.member("flow-depth") == null ? depth : requiredInteger(node, path, "flow-depth");
        if (defaultWeight == null || flowDepth == null) {
            return null;
        }
        if (defaultWeight < 1 || defaultWeight > QueueLimit.MAX_WEIGHT) {
            problem(node.member("default-weight"), join(path, "default-weight"), "must be an integer from 1 to "
                    + QueueLimit.MAX_WEIGHT + ", got " + defaultWeight);
            return null;
        }
        if (node.member("flow-depth") != null && (flowDepth < 1 || flowDepth > depth)) {
            problem(node.member("flow-depth"), join(path, "flow-depth"), "must be an integer from 1 to depth ("
                    + depth + "), got " + flowDepth);
            return null;
        }
        return record(node, path, () -> new QueueLimit(depth.intValue(), maxWait, flows, weights,
                defaultWeight.intValue(), flowDepth.intValue()), null);
    }

    private Reject reject(ConfigNode node, String path) {
        if (!expect(node, ConfigNode.Kind.OBJECT, path, "must be an object {status}")) {
            return null;
        }
        unknown(node, path, List.of("status"));
        if (node.member("status") == null) {
            return Reject.DEFAULT;
        }
        Long status = integer(node.member("status"), join(path, "status"));
        if (status == null) {
            return null;
        }
        if (status < 400 || status > 599) {
            problem(node.member("status"), join(path, "status"), "must be an HTTP error status from 400 to 599, got "
                    + status);
            return null;
        }
        return new Reject(status.intValue());
    }

    // ---------------------------------------------------------------- scalars

    private Long requiredInteger(ConfigNode node, String path, String field) {
        ConfigNode value = node.member(field);
        if (value == null) {
            problem(node, join(path, field), "is required");
            return null;
        }
        return integer(value, join(path, field));
    }

    private Duration requiredDuration(ConfigNode node, String path, String field) {
        ConfigNode value = node.member(field);
        if (value == null) {
            problem(node, join(path, field), "is required (a duration such as 250ms, 1s, 5m, 1h or 1d)");
            return null;
        }
        return duration(value, join(path, field));
    }

    private Long integer(ConfigNode node, String path) {
        if (node.kind != ConfigNode.Kind.INTEGER) {
            problem(node, path, "must be an integer, got " + node.describe());
            return null;
        }
        BigInteger value = (BigInteger) node.scalar;
        if (value.bitLength() > 62) {
            problem(node, path, "must be an integer of a sensible size, got " + value);
            return null;
        }
        return value.longValue();
    }

    private Duration duration(ConfigNode node, String path) {
        if (node.kind == ConfigNode.Kind.INTEGER || node.kind == ConfigNode.Kind.DECIMAL) {
            problem(node, path, "must be a duration with a unit, e.g. 1s (units: ms, s, m, h, d), got "
                    + node.describe());
            return null;
        }
        if (node.kind != ConfigNode.Kind.STRING) {
            problem(node, path, "must be a duration such as 250ms, 1s, 5m, 1h or 1d, got " + node.describe());
            return null;
        }
        try {
            return Durations.parse((String) node.scalar);
        } catch (IllegalArgumentException bad) {
            problem(node, path, bad.getMessage() + ", got " + node.describe());
            return null;
        }
    }

    private String string(ConfigNode node, String path) {
        if (node.kind != ConfigNode.Kind.STRING) {
            problem(node, path, "must be a string, got " + node.describe());
            return null;
        }
        return (String) node.scalar;
    }

    /** A list of strings; a single string counts as a list of one when {@code single} allows it. */
    private List<String> strings(ConfigNode node, String path, boolean single) {
        if (single && node.kind == ConfigNode.Kind.STRING) {
            return List.of((String) node.scalar);
        }
        if (!expect(node, ConfigNode.Kind.ARRAY, path, "must be a list of strings")) {
            return null;
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < node.items.size(); i++) {
            String value = string(node.items.get(i), path + "[" + i + "]");
            if (value == null) {
                return null;
            }
            values.add(value);
        }
        return values;
    }

    private <E extends Enum<E>> E choice(ConfigNode node, String path, Class<E> type) {
        List<String> allowed = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            allowed.add(wire(constant));
        }
        if (node.kind == ConfigNode.Kind.STRING) {
            String text = ((String) node.scalar).trim().toLowerCase(Locale.ROOT).replace('_', '-');
            for (E constant : type.getEnumConstants()) {
                if (wire(constant).equals(text)) {
                    return constant;
                }
            }
        }
        problem(node, path, "must be one of " + String.join(", ", allowed) + ", got " + node.describe());
        return null;
    }

    /** An enum constant as configuration writes it: lower case, words joined with '-'. */
    static String wire(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
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

    /**
     * Runs a record constructor, turning its FieldException into a problem at the named member.
     *
     * @param alias the configuration name of the record's field {@code fixed}, when they differ
     */
    private <T> T record(ConfigNode node, String path, java.util.function.Supplier<T> constructor, String alias) {
        try {
            return constructor.get();
        } catch (FieldException invalid) {
            String field = invalid.field();
            if (alias != null && field.equals("fixed")) {
                field = alias;
            }
            if (field.equals("key") && (path.endsWith("key") || path.endsWith("fair-by"))) {
                problem(node, path, message(invalid));
                return null;
            }
            ConfigNode at = locate(node, field);
            problems.add(problemAt(at == null ? node : at, join(path, field), message(invalid)));
            return null;
        }
    }

    private static String message(FieldException invalid) {
        return invalid.problem() + (invalid.value() == null ? "" : ", got " + FieldException.render(invalid.value()));
    }

    /** The node at a dotted, possibly indexed field path below {@code node}, or null. */
    private static ConfigNode locate(ConfigNode node, String field) {
        ConfigNode current = node;
        for (String part : field.split("\\.")) {
            if (current == null) {
                return null;
            }
            int bracket = part.indexOf('[');
            String name = bracket < 0 ? part : part.substring(0, bracket);
            current = current.member(name);
            if (current != null && bracket >= 0 && current.kind == ConfigNode.Kind.ARRAY) {
                int index = Integer.parseInt(part.substring(bracket + 1, part.indexOf(']')));
                current = index < current.items.size() ? current.items.get(index) : current;
            }
        }
        return current;
    }

    private boolean expect(ConfigNode node, ConfigNode.Kind kind, String path, String what) {
        if (node.kind != kind) {
            problem(node, path, what + ", got " + node.describe());
            return false;
        }
        return true;
    }

    private void unknown(ConfigNode node, String path, List<String> allowed) {
        for (String name : node.members.keySet()) {
            if (!allowed.contains(name)) {
                problem(node.members.get(name), path.isEmpty() ? name : path, (path.isEmpty() ? "is an unknown field" : "has an unknown "
                        + "field \"" + name + "\"") + "; allowed: " + String.join(", ", allowed));
            }
        }
    }

    private void problem(ConfigNode at, String path, String message) {
        problems.add(problemAt(at, path, message));
    }

    private ConfigException.Problem problemAt(ConfigNode at, String path, String message) {
        return new ConfigException.Problem(source, at == null ? 0 : at.line, at == null ? 0 : at.column, path,
                message);
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }
}
