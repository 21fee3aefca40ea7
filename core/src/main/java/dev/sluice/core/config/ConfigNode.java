package dev.sluice.core.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A configuration value as read from YAML or JSON, with the line and column it was written at (0 when it did not
 * come from text, e.g. a policy rendered for a merge patch). Immutable once built by {@link ConfigReader}.
 */
final class ConfigNode {
    enum Kind { OBJECT, ARRAY, STRING, INTEGER, DECIMAL, BOOLEAN, NULL }

    final Kind kind;
    final Object scalar;
    final Map<String, ConfigNode> members;
    final List<ConfigNode> items;
    final int line;
    final int column;

    private ConfigNode(Kind kind, Object scalar, Map<String, ConfigNode> members, List<ConfigNode> items, int line,
            int column) {
        this.kind = kind;
        this.scalar = scalar;
        this.members = members;
        this.items = items;
        this.line = line;
        this.column = column;
    }

    static ConfigNode object(Map<String, ConfigNode> members, int line, int column) {
        return new ConfigNode(Kind.OBJECT, null, Collections.unmodifiableMap(members), null, line, column);
    }

    static ConfigNode array(List<ConfigNode> items, int line, int column) {
        return new ConfigNode(Kind.ARRAY, null, null, Collections.unmodifiableList(items), line, column);
    }

    static ConfigNode scalar(Kind kind, Object value, int line, int column) {
        return new ConfigNode(kind, value, null, null, line, column);
    }

    /** A node for a plain Java value (maps, lists, strings, numbers, booleans, null), without a location. */
    static ConfigNode of(Object value) {
        if (value == null) {
            return scalar(Kind.NULL, null, 0, 0);
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, ConfigNode> members = new LinkedHashMap<>();
            map.forEach((key, member) -> members.put(String.valueOf(key), of(member)));
            return object(members, 0, 0);
        }
        if (value instanceof List<?> list) {
            List<ConfigNode> items = new ArrayList<>();
            list.forEach(item -> items.add(of(item)));
            return array(items, 0, 0);
        }
        if (value instanceof Boolean) {
            return scalar(Kind.BOOLEAN, value, 0, 0);
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return scalar(Kind.INTEGER, BigInteger.valueOf(((Number) value).longValue()), 0, 0);
        }
        if (value instanceof BigInteger) {
            return scalar(Kind.INTEGER, value, 0, 0);
        }
        if (value instanceof Number number) {
            return scalar(Kind.DECIMAL, new BigDecimal(number.toString()), 0, 0);
        }
        return scalar(Kind.STRING, value.toString(), 0, 0);
    }

    ConfigNode member(String name) {
        return members == null ? null : members.get(name);
    }

    /** RFC 7396: {@code patch} merged into this node; null members delete, objects merge, anything else replaces. */
    ConfigNode mergePatch(ConfigNode patch) {
        if (patch.kind != Kind.OBJECT) {
            return patch;
        }
        Map<String, ConfigNode> merged = new LinkedHashMap<>(kind == Kind.OBJECT ? members : Map.of());
        for (Map.Entry<String, ConfigNode> entry : patch.members.entrySet()) {
            ConfigNode value = entry.getValue();
            if (value.kind == Kind.NULL) {
                merged.remove(entry.getKey());
            } else {
                ConfigNode current = merged.get(entry.getKey());
                merged.put(entry.getKey(), current == null ? ConfigNode.of(null).mergePatch(value)
                        : current.mergePatch(value));
            }
        }
        return object(merged, patch.line, patch.column);
    }

    /** How messages name this node's kind. */
    String describe() {
        return switch (kind) {
            case OBJECT -> "an object";
            case ARRAY -> "a list";
            case STRING -> FieldException.render(scalar);
            case INTEGER, DECIMAL, BOOLEAN -> String.valueOf(scalar);
            case NULL -> "null";
        };
    }
}
