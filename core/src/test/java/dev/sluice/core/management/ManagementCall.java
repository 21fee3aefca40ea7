package dev.sluice.core.management;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Builds one management call for tests: {@code ManagementCall.patch("/policies/api").json("{..}").bearer(t)}. */
final class ManagementCall {
    static final String REMOTE = "198.51.100.7";

    private final String method;
    private final String path;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private byte[] body = new byte[0];
    private boolean tooLarge;

    private ManagementCall(String method, String path) {
        this.method = method;
        this.path = path;
    }

    static ManagementCall of(String method, String path) {
        return new ManagementCall(method, path);
    }

    static ManagementCall get(String path) {
        return of("GET", path);
    }

    static ManagementCall put(String path) {
        return of("PUT", path);
    }

    static ManagementCall patch(String path) {
        return of("PATCH", path);
    }

    static ManagementCall delete(String path) {
        return of("DELETE", path);
    }

    ManagementCall header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    ManagementCall bearer(String token) {
        return header("Authorization", "Bearer " + token);
    }

    /** The body with Content-Type application/merge-patch+json for PATCH, else application/json. */
    ManagementCall json(String text) {
        return body(method.equals("PATCH") ? "application/merge-patch+json" : "application/json", text);
    }

    ManagementCall body(String contentType, String text) {
        return header("Content-Type", contentType).bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    ManagementCall bytes(byte[] value) {
        this.body = value;
        return this;
    }

    /** As an adapter passes a body that it stopped reading at the size limit. */
    ManagementCall tooLarge() {
        this.tooLarge = true;
        return this;
    }

    ManagementRequest request() {
        return new ManagementRequest(method, path, ManagementRequest.Headers.of(headers), body, tooLarge, REMOTE);
    }

    /** Sends the call; the answer must come within 10 s and the future must not fail. */
    ManagementResponse send(ManagementService service) {
        CompletableFuture<ManagementResponse> answer = service.handle(request());
        assertThat(answer).as(method + " " + path).succeedsWithin(10, TimeUnit.SECONDS);
        return answer.join();
    }
}
