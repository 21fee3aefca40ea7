package dev.sluice.bench.servlet;

import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;

/** Servlet attributes over a map: setting null removes, as the Servlet API says. As thread-safe as its map. */
final class Attributes {
    private final Map<String, Object> values;

    Attributes(Map<String, Object> values) {
        this.values = values;
    }

    Object get(String name) {
        return values.get(name);
    }

    Enumeration<String> names() {
        return Collections.enumeration(values.keySet());
    }

    void set(String name, Object value) {
        if (value == null) {
            values.remove(name);
        } else {
            values.put(name, value);
        }
    }

    void remove(String name) {
        values.remove(name);
    }

    void clear() {
        values.clear();
    }
}
