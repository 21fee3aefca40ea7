package dev.sluice.core.management;

import tools.jackson.databind.json.JsonMapper;

/** JSON output of the management API. */
final class Json {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {}

    static String write(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    /** A JSON object as a map, or null when {@code json} is not one. */
    @SuppressWarnings("unchecked")
    static java.util.Map<String, Object> readObject(String json) {
        try {
            Object value = MAPPER.readValue(json, Object.class);
            return value instanceof java.util.Map<?, ?> map ? (java.util.Map<String, Object>) map : null;
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    /** Client text quoted back in messages, cut to a readable length and stripped of control characters. */
    static String clip(String text) {
        String cut = text.length() > 80 ? text.substring(0, 77) + "..." : text;
        StringBuilder clean = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            clean.append(Character.isISOControl(c) ? '?' : c);
        }
        return clean.toString();
    }
}
