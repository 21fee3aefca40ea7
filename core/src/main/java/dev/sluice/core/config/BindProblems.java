package dev.sluice.core.config;

import java.util.List;
import java.util.function.Supplier;

/**
 * The problems found while binding one document, each with the source, the line and column of the offending value,
 * the field's path and what is allowed; and the checks every binder shares (kind, unknown fields, record
 * constructors). Not thread-safe: one per document.
 */
final class BindProblems {
    private final String source;
    private final List<ConfigException.Problem> problems;

    BindProblems(String source, List<ConfigException.Problem> problems) {
        this.source = source;
        this.problems = problems;
    }

    /** How many problems were found so far; compare before and after a part to know whether it had any. */
    int count() {
        return problems.size();
    }

    boolean expect(ConfigNode node, ConfigNode.Kind kind, String path, String what) {
        if (node.kind != kind) {
            problem(node, path, what + ", got " + node.describe());
            return false;
        }
        return true;
    }

    void unknown(ConfigNode node, String path, List<String> allowed) {
        for (String name : node.members.keySet()) {
            if (!allowed.contains(name)) {
                String what = path.isEmpty() ? "is an unknown field" : "has an unknown field \"" + name + "\"";
                problem(node.members.get(name), path.isEmpty() ? name : path,
                        what + "; allowed: " + String.join(", ", allowed));
            }
        }
    }

    /**
     * Runs a record constructor, turning its FieldException into a problem at the named member.
     *
     * @param alias the configuration name of the record's field {@code fixed}, when they differ
     */
    <T> T record(ConfigNode node, String path, Supplier<T> constructor, String alias) {
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
            invalid(node, path, field, invalid);
            return null;
        }
    }

    /** A record's FieldException, reported at the member it names below {@code node} (or at {@code node}). */
    void invalid(ConfigNode node, String path, String field, FieldException invalid) {
        ConfigNode at = locate(node, field);
        problem(at == null ? node : at, join(path, field), message(invalid));
    }

    void problem(ConfigNode at, String path, String message) {
        problems.add(new ConfigException.Problem(source, at == null ? 0 : at.line, at == null ? 0 : at.column, path,
                message));
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

    static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }
}
