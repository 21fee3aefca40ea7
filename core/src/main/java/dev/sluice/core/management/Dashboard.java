package dev.sluice.core.management;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live dashboard: a static page ({@code GET <mapping>/}) and its script and style sheet
 * ({@code GET <mapping>/ui/dashboard.js}, {@code .../ui/dashboard.css}), read once from this jar. The page holds no
 * data: it reads the management API from the browser like any other client (with the token the operator enters, kept
 * in the tab's {@code sessionStorage}), so it is served without a token, also when reads need one. Every answer
 * carries a strict Content-Security-Policy: scripts, styles and calls from this origin only, nothing inline, no
 * framing. Stateless.
 */
final class Dashboard {
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";
    private static final List<String> METHODS = List.of("GET", "HEAD", "OPTIONS");
    private static final Map<String, Asset> ASSETS = Map.of(
            "", new Asset("index.html", "text/html; charset=utf-8"),
            "dashboard.js", new Asset("dashboard.js", "text/javascript; charset=utf-8"),
            "dashboard.css", new Asset("dashboard.css", "text/css; charset=utf-8"));

    private Dashboard() {}

    private record Asset(String resource, String contentType) { }

    /** Whether {@code segments} name the page ({@code /}) or one of its files ({@code /ui/<file>}). */
    static boolean serves(List<String> segments) {
        return segments.isEmpty() || segments.size() == 2 && segments.get(0).equals("ui");
    }

    /** The page or file that {@code segments} name (see {@link #serves}), 404 for an unknown file. */
    static ManagementResponse answer(String method, List<String> segments) {
        String allow = String.join(", ", METHODS);
        if (!METHODS.contains(method)) {
            return Problems.of(405, "method-not-allowed", "Method not allowed",
                    "'" + Json.clip(method) + "' is not allowed here; allowed: " + allow).withHeader("Allow", allow);
        }
        Asset asset = ASSETS.get(segments.isEmpty() ? "" : segments.get(1));
        if (asset == null || segments.size() == 2 && asset.resource().equals("index.html")) {
            return Problems.of(404, "not-found", "No such file", "The dashboard's files are /ui/dashboard.js and "
                    + "/ui/dashboard.css.");
        }
        if (method.equals("OPTIONS")) {
            return ManagementResponse.empty(204).withHeader("Allow", allow);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("X-Frame-Options", "DENY");
        headers.put("Referrer-Policy", "no-referrer");
        return new ManagementResponse(200, asset.contentType(), headers, read(asset.resource()));
    }

    private static byte[] read(String resource) {
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("dashboard/" + resource + " is missing from sluice-core's jar");
            }
            return in.readAllBytes();
        } catch (IOException unreadable) {
            throw new UncheckedIOException(unreadable);
        }
    }
}
