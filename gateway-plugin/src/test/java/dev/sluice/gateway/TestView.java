package dev.sluice.gateway;

import dev.sluice.core.RequestView;
import java.util.List;
import java.util.Map;

/** A fixed GET request for asking an engine directly. */
record TestView(String path, Map<String, String> headerValues) implements RequestView {
    @Override public String method() { return "GET"; }
    @Override public String header(String name) {
        return headerValues.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }
    @Override public List<String> headers(String name) {
        String value = header(name);
        return value == null ? List.of() : List.of(value);
    }
    @Override public String queryParameter(String name) { return null; }
    @Override public String cookie(String name) { return null; }
    @Override public String remoteAddress() { return "127.0.0.1"; }
    @Override public String principal() { return null; }
}
