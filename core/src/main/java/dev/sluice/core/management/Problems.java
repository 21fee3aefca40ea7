package dev.sluice.core.management;

import dev.sluice.core.config.ConfigException;
import dev.sluice.core.spi.VersionConflictException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** RFC 9457 problem responses of the management API; every error it gives is made here. */
final class Problems {
    private Problems() {}

    static ManagementResponse of(int status, String type, String title, String detail) {
        return of(status, type, title, detail, Map.of());
    }

    static ManagementResponse of(int status, String type, String title, String detail, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "urn:sluice:problem:management:" + type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.putAll(extra);
        return new ManagementResponse(status, ManagementResponse.PROBLEM, Map.of(),
                Json.write(body).getBytes(StandardCharsets.UTF_8));
    }

    /** 400 listing every problem of a refused definition: field, message, line and column. */
    static ManagementResponse invalid(ConfigException refused) {
        List<Object> errors = new ArrayList<>();
        for (ConfigException.Problem problem : refused.problems()) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("field", problem.field());
            error.put("message", problem.message());
            if (problem.line() > 0) {
                error.put("line", problem.line());
                error.put("column", problem.column());
            }
            errors.add(error);
        }
        return of(400, "invalid-policy", "Invalid policy", refused.getMessage() + " Nothing was changed.",
                Map.of("errors", errors));
    }

    /** 412 when the version is not the one the caller expected. */
    static ManagementResponse conflict(VersionConflictException conflict) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("policy", conflict.policy());
        extra.put("current-version", conflict.actual());
        return of(412, "stale-version", "Precondition failed", conflict.getMessage()
                + ". Read the policy again (GET) and retry with its ETag.", extra);
    }
}
