package dev.sluice.bench;

import dev.sluice.core.RequestView;
import java.util.List;

/** A request view with fixed answers, as cheap as a real adapter's: one header, no parameters or cookies. */
final class FixedRequest implements RequestView {
    private final String path;
    private final String headerName;
    private final String headerValue;

    FixedRequest(String path, String headerName, String headerValue) {
        this.path = path;
        this.headerName = headerName;
        this.headerValue = headerValue;
    }

    @Override public String method() { return "GET"; }

    @Override public String path() { return path; }

    @Override
    public String header(String name) {
        return headerName != null && headerName.equalsIgnoreCase(name) ? headerValue : null;
    }

    @Override
    public List<String> headers(String name) {
        String value = header(name);
        return value == null ? List.of() : List.of(value);
    }

    @Override public String queryParameter(String name) { return null; }

    @Override public String cookie(String name) { return null; }

    @Override public String remoteAddress() { return "192.0.2.10"; }

    @Override public String principal() { return null; }
}
