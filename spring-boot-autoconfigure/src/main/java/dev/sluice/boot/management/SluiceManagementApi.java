package dev.sluice.boot.management;

import dev.sluice.core.management.ManagementRequest;
import dev.sluice.core.management.ManagementResponse;
import dev.sluice.core.management.ManagementService;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.util.MimeType;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Translates the Actuator endpoint's operations onto {@link ManagementService}, after deciding who may call: every
 * call, reads included, needs credentials. Reads: the bearer token, or a principal the application authenticated.
 * Writes: the bearer token, or a principal holding the configured authority. The service then applies its own
 * validation, {@code If-Match} rules and problem bodies, so answers are those of the REST API. Thread-safe; never
 * blocks.
 */
public final class SluiceManagementApi {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final MimeType PROBLEM = MimeType.valueOf(ManagementResponse.PROBLEM);
    /** The last segment of a policy's candidate resource. */
    private static final String CANDIDATE = "/candidate";

    private final ManagementService service;
    private final byte[] tokenDigest;
    private final String serviceAuthorization;
    private final String authority;

    /**
     * @param token        the bearer token callers may send, or null (then only authenticated principals get in)
     * @param serviceToken the token {@code service} was built with, sent on behalf of callers this class admits
     * @param authority    the authority that lets an authenticated principal write
     */
    public SluiceManagementApi(ManagementService service, String token, String serviceToken, String authority) {
        this.service = service;
        this.tokenDigest = token == null || token.isBlank() ? null : digest(token.strip());
        this.serviceAuthorization = "Bearer " + serviceToken;
        this.authority = authority;
    }

    /** A read: {@code GET path} of the REST API. */
    public CompletableFuture<WebEndpointResponse<Object>> read(Caller caller, String path) {
        return call(caller, "GET", path, null, null, null);
    }

    /**
     * A write. {@code body} is the policy (PUT) or the merge patch (PATCH), in YAML or JSON; {@code ifMatch} a
     * version ({@code 7} or {@code "7"}) or {@code *}. A policy goes to the service as YAML (its errors then name the
     * text's lines); a merge patch, and a candidate's definition (the candidate resource takes JSON only), as JSON.
     */
    public CompletableFuture<WebEndpointResponse<Object>> write(Caller caller, String method, String path,
            String body, String ifMatch) {
        if (body == null) {
            return call(caller, method, path, null, null, ifMatch);
        }
        boolean patch = method.equals("PATCH");
        if (!patch && !path.endsWith(CANDIDATE)) {
            return call(caller, method, path, body.getBytes(StandardCharsets.UTF_8), "application/yaml", ifMatch);
        }
        WebEndpointResponse<Object> denied = authorize(caller, true);
        if (denied != null) {
            return CompletableFuture.completedFuture(denied);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(YAML.readTree(body));
        } catch (JacksonException unreadable) {
            return CompletableFuture.completedFuture(patch
                    ? problem(400, "unreadable", "Unreadable patch", "'patch' must hold a merge patch in YAML or "
                            + "JSON: " + unreadable.getOriginalMessage())
                    : problem(400, "unreadable", "Unreadable policy", "'policy' must hold a policy definition in "
                            + "YAML or JSON: " + unreadable.getOriginalMessage()));
        }
        return call(caller, method, path, json, patch ? "application/merge-patch+json" : "application/json",
                ifMatch);
    }

    private CompletableFuture<WebEndpointResponse<Object>> call(Caller caller, String method, String path,
            byte[] body, String contentType, String ifMatch) {
        boolean write = !method.equals("GET");
        WebEndpointResponse<Object> denied = authorize(caller, write);
        if (denied != null) {
            return CompletableFuture.completedFuture(denied);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", serviceAuthorization);
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        if (ifMatch != null && !ifMatch.isBlank()) {
            headers.put("If-Match", ifMatchHeader(ifMatch));
        }
        // The audit names the principal when there is one, else the token ("default", as SLUICE_TOKEN is named in the
        // servlet API), and the caller's address.
        String principal = caller.principal() != null ? caller.principal().getName() : null;
        return service.handle(new ManagementRequest(method, path, ManagementRequest.Headers.of(headers), body,
                false, caller.address(), principal)).thenApply(SluiceManagementApi::translate);
    }

    /**
     * The {@code If-Match} header for an {@code ifMatch} parameter: a bare version ({@code 7}) becomes the entity-tag
     * {@code "7"}; {@code *}, tags ({@code "7"}, {@code W/"7"}) and malformed text pass unchanged, each element of a
     * comma-separated list alike, so the REST API's rules decide (a list, {@code *}, weak tags never matching, 412 for
     * a tag that is not current, 400 for a malformed header).
     */
    static String ifMatchHeader(String ifMatch) {
        StringBuilder header = new StringBuilder();
        for (String element : ifMatch.split(",", -1)) {
            String value = element.strip();
            if (header.length() > 0) {
                header.append(", ");
            }
            boolean bare = !value.isEmpty() && value.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"'
                    && c != '*' && c != '/');
            header.append(bare ? "\"" + value + "\"" : value);
        }
        return header.toString();
    }

    /** Null when the caller may go on, else the refusal. */
    WebEndpointResponse<Object> authorize(Caller caller, boolean write) {
        if (tokenDigest != null && caller.authorization() != null
                && caller.authorization().regionMatches(true, 0, "Bearer ", 0, 7)
                && MessageDigest.isEqual(digest(caller.authorization().substring(7).strip()), tokenDigest)) {
            return null;
        }
        if (caller.principal() == null) {
            return problem(401, "unauthorized", "Unauthorized", "Every call needs credentials: send "
                    + "'Authorization: Bearer <token>' (sluice.management.token or SLUICE_TOKEN), or sign in.");
        }
        if (write && !caller.hasAuthority().test(authority)) {
            return problem(403, "forbidden", "Forbidden", "Changing policies needs the authority '" + authority
                    + "' (sluice.management.authority) or the management token.");
        }
        return null;
    }

    static WebEndpointResponse<Object> problem(int status, String type, String title, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "urn:sluice:problem:management:" + type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        return new WebEndpointResponse<>(body, status, PROBLEM);
    }

    static WebEndpointResponse<Object> translate(ManagementResponse answer) {
        if (answer.body().length == 0) {
            return new WebEndpointResponse<>(answer.status());
        }
        MimeType type = answer.contentType() == null ? null : MimeType.valueOf(answer.contentType());
        if (type != null && (type.getSubtype().equals("json") || type.getSubtype().endsWith("+json"))) {
            Object body = JSON.readValue(answer.body(), Object.class);
            return new WebEndpointResponse<>(body, answer.status(), type);
        }
        return new WebEndpointResponse<>(new String(answer.body(), StandardCharsets.UTF_8), answer.status(),
                type == null ? MimeType.valueOf("text/plain") : type);
    }

    /** The REST API's path for Actuator selectors: each segment percent-encoded again. */
    public static String path(List<String> segments) {
        StringBuilder path = new StringBuilder();
        for (String segment : segments) {
            path.append('/');
            for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
                char c = (char) (b & 0xff);
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                        || c == '.' || c == '_' || c == '~') {
                    path.append(c);
                } else {
                    path.append('%').append(String.format("%02X", b & 0xff));
                }
            }
        }
        return path.length() == 0 ? "/" : path.toString();
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
