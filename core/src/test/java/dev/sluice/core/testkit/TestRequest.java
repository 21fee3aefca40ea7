package dev.sluice.core.testkit;

import dev.sluice.core.RequestView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A {@link RequestView} built by tests. Not thread-safe while being built; read-only afterwards. */
public final class TestRequest implements RequestView {
    private String method = "GET";
    private String path = "/";
    private String remoteAddress = "192.0.2.1";
    private String principal;
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private final Map<String, String> parameters = new HashMap<>();
    private final Map<String, String> cookies = new HashMap<>();

    public static TestRequest get(String path) {
        return new TestRequest().path(path);
    }

    public TestRequest method(String value) { this.method = value; return this; }

    public TestRequest path(String value) { this.path = value; return this; }

    public TestRequest from(String address) { this.remoteAddress = address; return this; }

    public TestRequest principal(String name) { this.principal = name; return this; }

    public TestRequest header(String name, String value) {
        headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).add(value);
        return this;
    }

    public TestRequest param(String name, String value) { parameters.put(name, value); return this; }

    public TestRequest cookie(String name, String value) { cookies.put(name, value); return this; }

    @Override public String method() { return method; }

    @Override public String path() { return path; }

    @Override
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null ? null : values.get(0);
    }

    @Override
    public List<String> headers(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    @Override public String queryParameter(String name) { return parameters.get(name); }

    @Override public String cookie(String name) { return cookies.get(name); }

    @Override public String remoteAddress() { return remoteAddress; }

    @Override public String principal() { return principal; }
}
