package dev.sluice.core.management;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A call to the management API as the adapters hand it over.
 *
 * @param method        the HTTP method
 * @param path          the path below the mount point, not decoded, e.g. {@code /policies/api/keys/a%2Fb}, followed
 *                      by {@code ?} and the raw query string when the request has one
 * @param headers       the request headers the API reads (Authorization, Content-Type, If-Match, If-None-Match)
 * @param body          the body, at most what the adapter read (adapters stop reading past the size limit and pass
 *                      {@code tooLarge})
 * @param tooLarge      whether the body was larger than the limit
 * @param remoteAddress the caller's address, for the audit log
 * @param principal     the user the adapter authenticated (servlet: {@code getUserPrincipal()}), or null; the audit
 *                      names it as the one who made a change. Tokens still decide what a call may do
 */
public record ManagementRequest(String method, String path, Headers headers, byte[] body, boolean tooLarge,
        String remoteAddress, String principal) {

    /** A call without an authenticated principal. */
    public ManagementRequest(String method, String path, Headers headers, byte[] body, boolean tooLarge,
            String remoteAddress) {
        this(method, path, headers, body, tooLarge, remoteAddress, null);
    }

    public ManagementRequest {
        body = body == null ? new byte[0] : body;
        path = path == null || path.isEmpty() ? "/" : path;
        headers = headers == null ? Headers.NONE : headers;
    }

    /** Case-insensitive header lookup. */
    @FunctionalInterface
    public interface Headers {
        /** No headers at all. */
        Headers NONE = name -> null;

        /** The first value of the header, or null. */
        String get(String name);

        /** Headers from a map (names in any case). */
        static Headers of(Map<String, String> values) {
            Map<String, String> folded = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            values.forEach((name, value) -> folded.put(name.toLowerCase(Locale.ROOT), value));
            return folded::get;
        }
    }
}
