package dev.sluice.core.config;

import static dev.sluice.core.config.BindProblems.join;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Binds a policy's {@code queue}: depth and wait, and its fair flows ({@code fair-by}, weights, flow depth). */
final class QueueBinder {
    private final BindProblems problems;
    private final Scalars scalars;

    QueueBinder(BindProblems problems, Scalars scalars) {
        this.problems = problems;
        this.scalars = scalars;
    }

    QueueLimit queue(ConfigNode node, String path) {
        if (!problems.expect(node, ConfigNode.Kind.OBJECT, path, "must be an object {depth, max-wait}")) {
            return null;
        }
        problems.unknown(node, path, PolicyBinder.QUEUE_FIELDS);
        Long depth = scalars.requiredInteger(node, path, "depth");
        Duration maxWait = scalars.requiredDuration(node, path, "max-wait");
        if (depth == null || maxWait == null) {
            return null;
        }
        if (depth > QueueLimit.MAX_DEPTH) {
            problems.problem(node.member("depth"), join(path, "depth"), "must be an integer from 1 to "
                    + QueueLimit.MAX_DEPTH + ", got " + depth);
            return null;
        }
        ConfigNode fairByNode = node.member("fair-by");
        KeyExpression fairBy = null;
        if (fairByNode != null && fairByNode.kind != ConfigNode.Kind.NULL) {
            String text = scalars.string(fairByNode, join(path, "fair-by"));
            if (text == null) {
                return null;
            }
            fairBy = problems.record(fairByNode, join(path, "fair-by"), () -> KeyExpression.parse(text), null);
            if (fairBy == null) {
                return null;
            }
        }
        KeyExpression flows = fairBy;
        Map<String, Integer> weights = weights(node.member("weights"), join(path, "weights"));
        if (weights == null) {
            return null;
        }
        Long defaultWeight = node.member("default-weight") == null ? Long.valueOf(1)
                : scalars.requiredInteger(node, path, "default-weight");
        Long flowDepth = node.member("flow-depth") == null ? depth
                : scalars.requiredInteger(node, path, "flow-depth");
        if (defaultWeight == null || flowDepth == null) {
            return null;
        }
        if (defaultWeight < 1 || defaultWeight > QueueLimit.MAX_WEIGHT) {
            problems.problem(node.member("default-weight"), join(path, "default-weight"),
                    "must be an integer from 1 to " + QueueLimit.MAX_WEIGHT + ", got " + defaultWeight);
            return null;
        }
        if (node.member("flow-depth") != null && (flowDepth < 1 || flowDepth > depth)) {
            problems.problem(node.member("flow-depth"), join(path, "flow-depth"), "must be an integer from 1 to depth ("
                    + depth + "), got " + flowDepth);
            return null;
        }
        return problems.record(node, path, () -> new QueueLimit(depth.intValue(), maxWait, flows, weights,
                defaultWeight.intValue(), flowDepth.intValue()), null);
    }

    /** The flows' weights, empty when not given; null after a problem. */
    private Map<String, Integer> weights(ConfigNode weightNode, String weightsPath) {
        Map<String, Integer> weights = new LinkedHashMap<>();
        if (weightNode == null) {
            return weights;
        }
        if (!problems.expect(weightNode, ConfigNode.Kind.OBJECT, weightsPath,
                "must be an object {\"<value>\": weight}")) {
            return null;
        }
        for (String flow : weightNode.members.keySet()) {
            Long weight = scalars.requiredInteger(weightNode, weightsPath, flow);
            if (weight == null) {
                return null;
            }
            if (weight < 1 || weight > QueueLimit.MAX_WEIGHT) {
                problems.problem(weightNode.member(flow), join(weightsPath, flow), "must be an integer from 1 to "
                        + QueueLimit.MAX_WEIGHT + ", got " + weight);
                return null;
            }
            weights.put(flow, weight.intValue());
        }
        return weights;
    }
}
