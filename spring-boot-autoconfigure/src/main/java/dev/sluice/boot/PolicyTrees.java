package dev.sluice.boot;

import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicyParser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Turns policy definitions as Spring binds them (from {@code application.yml}, the environment, or a route filter's
 * args) into the tree the core parser reads, then parses them with {@link PolicyParser#bindPolicy}, so validation
 * and messages are those of a policy file.
 *
 * <p>Spring's binding loses two things the parser needs, and this class restores them:
 * <ul>
 *   <li>structure: route filter args arrive flattened ({@code rate.limit}, {@code match.paths[0]}), and lists may
 *       arrive as maps keyed {@code 0}, {@code 1}... or {@code [0]}, {@code [1]}...;</li>
 *   <li>integer types: values from the environment or from filter args are strings. A string made of digits in a
 *       field the policy model defines as an integer ({@code rate.limit}, {@code queue.depth}, ...) is read as that
 *       integer; anything else stays a string, so a wrong value is reported as the file parser reports it.</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class PolicyTrees {
    /** Field paths (list indexes removed) whose values the policy model defines as integers. */
    private static final Set<String> INTEGER_FIELDS = Set.of("rate.limit", "rate.burst", "quota.limit", "cost",
            "cost.max", "cost.default", "concurrency.permits", "queue.depth", "reject.status");
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,18}");
    private static final Pattern INDEX = Pattern.compile("\\[?([0-9]{1,9})]?");

    private static final PolicyParser PARSER = new PolicyParser();

    private PolicyTrees() {}

    /**
     * Parses one policy.
     *
     * @param definition   the bound definition (nested or flattened keys)
     * @param source       names the definition in messages, e.g. {@code route 'api', filter Sluice}
     * @param expectedName the policy's name when the context gives it (a route's inline policy), else null: the
     *                     definition must then carry {@code name}
     * @throws ConfigException naming the source, the field and what is allowed
     */
    public static Policy parse(Map<String, ?> definition, String source, String expectedName) {
        return PARSER.bindPolicy(tree(definition), source, expectedName);
    }

    /** The definition as nested maps and lists, with integer fields typed. */
    public static Map<String, Object> tree(Map<String, ?> definition) {
        Map<String, Object> nested = new LinkedHashMap<>();
        definition.forEach((key, value) -> put(nested, segments(key), value));
        @SuppressWarnings("unchecked")
        Map<String, Object> typed = (Map<String, Object>) normalise(nested, "");
        return typed;
    }

    /** {@code match.paths[0]} → {@code [match, paths, [0]]}; an index keeps its brackets to mark it. */
    private static List<String> segments(String key) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '.') {
                flush(parts, current);
            } else if (c == '[') {
                flush(parts, current);
                int close = key.indexOf(']', i);
                if (close < 0) {
                    current.append(key, i, key.length());
                    break;
                }
                parts.add(key.substring(i, close + 1));
                i = close;
            } else {
                current.append(c);
            }
        }
        flush(parts, current);
        return parts.isEmpty() ? List.of(key) : parts;
    }

    private static void flush(List<String> parts, StringBuilder current) {
        if (current.length() > 0) {
            parts.add(current.toString());
            current.setLength(0);
        }
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> into, List<String> path, Object value) {
        Map<String, Object> node = into;
        for (int i = 0; i < path.size() - 1; i++) {
            Object child = node.get(path.get(i));
            if (!(child instanceof Map)) {
                child = new LinkedHashMap<String, Object>();
                node.put(path.get(i), child);
            }
            node = (Map<String, Object>) child;
        }
        String last = path.get(path.size() - 1);
        Object existing = node.get(last);
        if (existing instanceof Map<?, ?> map && value instanceof Map<?, ?> more) {
            Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) map);
            more.forEach((key, item) -> put(merged, segments(String.valueOf(key)), item));
            node.put(last, merged);
        } else if (value instanceof Map<?, ?> map) {
            Map<String, Object> nested = new LinkedHashMap<>();
            map.forEach((key, item) -> put(nested, segments(String.valueOf(key)), item));
            node.put(last, nested);
        } else {
            node.put(last, value);
        }
    }

    /** Maps keyed only by indexes become lists; integer fields given as digits become numbers. */
    private static Object normalise(Object value, String path) {
        if (value instanceof Map<?, ?> map) {
            if (!map.isEmpty() && map.keySet().stream().allMatch(key -> INDEX.matcher(String.valueOf(key)).matches())) {
                TreeMap<Integer, Object> ordered = new TreeMap<>();
                map.forEach((key, item) -> ordered.put(index(String.valueOf(key)), item));
                List<Object> list = new ArrayList<>();
                ordered.values().forEach(item -> list.add(normalise(item, path)));
                return list;
            }
            Map<String, Object> result = new LinkedHashMap<>();
            map.forEach((key, item) -> {
                String name = String.valueOf(key);
                result.put(name, normalise(item, path.isEmpty() ? name : path + "." + name));
            });
            return result;
        }
        if (value instanceof List<?> list) {
            List<Object> result = new ArrayList<>();
            list.forEach(item -> result.add(normalise(item, path)));
            return result;
        }
        if (value instanceof CharSequence text && INTEGER_FIELDS.contains(path)
                && INTEGER.matcher(text.toString().strip()).matches()) {
            return Long.parseLong(text.toString().strip());
        }
        return value;
    }

    private static int index(String key) {
        var matcher = INDEX.matcher(key);
        matcher.matches();
        return Integer.parseInt(matcher.group(1));
    }
}
