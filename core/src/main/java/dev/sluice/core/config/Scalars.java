package dev.sluice.core.config;

import static dev.sluice.core.config.BindProblems.join;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads scalar fields (integers, durations, strings, choices), reporting a wrong kind or value. */
final class Scalars {
    private final BindProblems problems;

    Scalars(BindProblems problems) {
        this.problems = problems;
    }

    Long requiredInteger(ConfigNode node, String path, String field) {
        ConfigNode value = node.member(field);
        if (value == null) {
            problems.problem(node, join(path, field), "is required");
            return null;
        }
        return integer(value, join(path, field));
    }

    Duration requiredDuration(ConfigNode node, String path, String field) {
        ConfigNode value = node.member(field);
        if (value == null) {
            problems.problem(node, join(path, field), "is required (a duration such as 250ms, 1s, 5m, 1h or 1d)");
            return null;
        }
        return duration(value, join(path, field));
    }

    Long integer(ConfigNode node, String path) {
        if (node.kind != ConfigNode.Kind.INTEGER) {
            problems.problem(node, path, "must be an integer, got " + node.describe());
            return null;
        }
        BigInteger value = (BigInteger) node.scalar;
        if (value.bitLength() > 62) {
            problems.problem(node, path, "must be an integer of a sensible size, got " + value);
            return null;
        }
        return value.longValue();
    }

    Duration duration(ConfigNode node, String path) {
        if (node.kind == ConfigNode.Kind.INTEGER || node.kind == ConfigNode.Kind.DECIMAL) {
            problems.problem(node, path, "must be a duration with a unit, e.g. 1s (units: ms, s, m, h, d), got "
                    + node.describe());
            return null;
        }
        if (node.kind != ConfigNode.Kind.STRING) {
            problems.problem(node, path, "must be a duration such as 250ms, 1s, 5m, 1h or 1d, got "
                    + node.describe());
            return null;
        }
        try {
            return Durations.parse((String) node.scalar);
        } catch (IllegalArgumentException bad) {
            problems.problem(node, path, bad.getMessage() + ", got " + node.describe());
            return null;
        }
    }

    String string(ConfigNode node, String path) {
        if (node.kind != ConfigNode.Kind.STRING) {
            problems.problem(node, path, "must be a string, got " + node.describe());
            return null;
        }
        return (String) node.scalar;
    }

    /** A list of strings; a single string counts as a list of one when {@code single} allows it. */
    List<String> strings(ConfigNode node, String path, boolean single) {
        if (single && node.kind == ConfigNode.Kind.STRING) {
            return List.of((String) node.scalar);
        }
        if (!problems.expect(node, ConfigNode.Kind.ARRAY, path, "must be a list of strings")) {
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

    <E extends Enum<E>> E choice(ConfigNode node, String path, Class<E> type) {
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
        problems.problem(node, path, "must be one of " + String.join(", ", allowed) + ", got " + node.describe());
        return null;
    }

    /** An enum constant as configuration writes it: lower case, words joined with '-'. */
    static String wire(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
