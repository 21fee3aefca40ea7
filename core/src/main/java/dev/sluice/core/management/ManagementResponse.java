package dev.sluice.core.management;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the management API answers.
 *
 * @param status      the HTTP status
 * @param contentType the body's media type, or null without a body
 * @param headers     further headers (ETag, Location, Allow, WWW-Authenticate; Content-Length on an answer to HEAD)
 * @param body        the body, empty for 204
 */
public record ManagementResponse(int status, String contentType, Map<String, String> headers, byte[] body) {
    public static final String JSON = "application/json";
    public static final String PROBLEM = "application/problem+json";

    public ManagementResponse {
        headers = Map.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    static ManagementResponse json(int status, String json, Map<String, String> headers) {
        return new ManagementResponse(status, JSON, headers, json.getBytes(StandardCharsets.UTF_8));
    }

    static ManagementResponse text(int status, String contentType, String text) {
        return new ManagementResponse(status, contentType, Map.of(), text.getBytes(StandardCharsets.UTF_8));
    }

    static ManagementResponse empty(int status) {
        return new ManagementResponse(status, null, Map.of(), new byte[0]);
    }

    /** The body as text (UTF-8). */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The answer to HEAD: this one's status and headers, its body's length, and no body. */
    ManagementResponse withoutBody() {
        ManagementResponse head = new ManagementResponse(status, contentType, headers, new byte[0]);
        return body.length == 0 ? head : head.withHeader("Content-Length", Integer.toString(body.length));
    }

    ManagementResponse withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new ManagementResponse(status, contentType, more, body);
    }
}
