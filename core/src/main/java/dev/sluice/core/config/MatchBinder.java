package dev.sluice.core.config;

import static dev.sluice.core.config.BindProblems.join;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Binds a policy's {@code match}: paths, methods and header conditions. */
final class MatchBinder {
    private final BindProblems problems;
    private final Scalars scalars;

    MatchBinder(BindProblems problems, Scalars scalars) {
        this.problems = problems;
        this.scalars = scalars;
    }

    Match match(ConfigNode node, String path) {
        if (!problems.expect(node, ConfigNode.Kind.OBJECT, path, "must be an object with paths, methods and headers")) {
            return null;
        }
        problems.unknown(node, path, List.of("paths", "methods", "headers"));
        List<String> paths = node.member("paths") == null ? null
                : scalars.strings(node.member("paths"), join(path, "paths"), true);
        List<String> methods = node.member("methods") == null ? null
                : scalars.strings(node.member("methods"), join(path, "methods"), true);
        List<HeaderCondition> headers = new ArrayList<>();
        ConfigNode list = node.member("headers");
        if (list != null && problems.expect(list, ConfigNode.Kind.ARRAY, join(path, "headers"),
                "must be a list of {name, value} conditions")) {
            for (int i = 0; i < list.items.size(); i++) {
                HeaderCondition condition = header(list.items.get(i), join(path, "headers[" + i + "]"));
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
        return problems.record(node, path, () -> new Match(paths, finalMethods, headers), null);
    }

    private HeaderCondition header(ConfigNode item, String itemPath) {
        if (!problems.expect(item, ConfigNode.Kind.OBJECT, itemPath, "must be an object {name, value}")) {
            return null;
        }
        problems.unknown(item, itemPath, List.of("name", "value"));
        ConfigNode nameNode = item.member("name");
        if (nameNode == null) {
            problems.problem(item, join(itemPath, "name"), "is required");
            return null;
        }
        String name = scalars.string(nameNode, join(itemPath, "name"));
        String value = item.member("value") == null ? null
                : scalars.string(item.member("value"), join(itemPath, "value"));
        return problems.record(item, itemPath, () -> new HeaderCondition(name, value), null);
    }
}
