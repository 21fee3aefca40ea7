package dev.sluice.core.management;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The query parameters of a read ({@code ?outcome=refused&limit=20}), decoded ({@code %XX} as UTF-8, {@code +} as a
 * space). A parameter the call does not know, one given twice, or a malformed escape is a 400 naming it: a typo must
 * not silently fall back to a default. Immutable.
 */
final class Query {
    private final Map<String, String> values;
    private final ManagementResponse problem;

    private Query(Map<String, String> values, ManagementResponse problem) {
        this.values = values;
        this.problem = problem;
    }

    /**
     * Parses {@code raw} (the part after '?', or null) for a call that knows {@code known}.
     */
    static Query of(String raw, List<String> known) {
        Map<String, String> values = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return new Query(values, null);
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            if (name == null || value == null) {
                return new Query(values, bad("query", "has a malformed percent-escape or is not UTF-8", pair,
                        known));
            }
            if (!known.contains(name)) {
                return new Query(values, bad(name, "is not a parameter of this call", null, known));
            }
            if (values.putIfAbsent(name, value) != null) {
                return new Query(values, bad(name, "is given more than once", null, known));
            }
        }
        return new Query(values, null);
    }

    /** The 400 to answer, or null when the query is well formed. */
    ManagementResponse problem() {
        return problem;
    }

    /** The value, or {@code fallback} when absent. */
    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    /**
     * A 400 naming the parameter, what is wrong and what is allowed.
     *
     * @param got the value given, or null to leave it out
     */
    static ManagementResponse bad(String parameter, String what, String got, List<String> allowed) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("parameter", parameter);
        extra.put("allowed", allowed);
        return Problems.of(400, "bad-parameter", "Bad query parameter", "Parameter '" + Json.clip(parameter) + "' "
                + what + (got == null ? "" : ", got '" + Json.clip(got) + "'") + "; allowed: "
                + String.join(", ", allowed) + ".", extra);
    }

    /**
     * An integer parameter from {@code min} to {@code max}, else {@code fallback} when absent; null (and
     * {@code problem[0]} set) when it is not such a number.
     */
    Integer integer(String name, int fallback, int min, int max, ManagementResponse[] problem) {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException notANumber) {
            // answered below
        }
        problem[0] = bad(name, "must be an integer from " + min + " to " + max, text,
                List.of(min + ".." + max));
        return null;
    }

    private static String decode(String raw) {
        if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int high = Character.digit(raw.charAt(i + 1), 16);
                int low = Character.digit(raw.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    return null;
                }
                bytes.write(high * 16 + low);
                i += 2;
            } else {
                int end = i + (Character.isHighSurrogate(c) && i + 1 < raw.length() ? 2 : 1);
                bytes.writeBytes(raw.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end - 1;
            }
        }
        return PathSegments.strictUtf8(bytes.toByteArray());
    }
}
