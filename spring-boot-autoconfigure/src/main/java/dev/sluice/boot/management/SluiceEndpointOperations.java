package dev.sluice.boot.management;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * The Actuator operations of the endpoint {@code sluice}, as paths of the REST API. Both web stacks' endpoint classes
 * map onto this. Actuator has GET, POST and DELETE only, so PUT and PATCH are a POST naming what it carries:
 * <pre>
 * GET    /actuator/sluice                            = GET /policies
 * GET    /actuator/sluice/{path...}?{query}          = GET /{path...}?{query} (policies/{name},
 *                                                      policies/{name}/top, policies/{name}/keys,
 *                                                      policies/{name}/keys/{key}, audit, health, metrics)
 * POST   /actuator/sluice/policies/{name}  {"policy": "rate: {limit: 5, period: 1s}", "ifMatch": "3"}
 *                                                      = PUT (create or replace; the policy in YAML or JSON)
 * POST   /actuator/sluice/policies/{name}  {"patch": "rate: {limit: 3}", "ifMatch": "3"}
 *                                                      = PATCH (a merge patch, RFC 7396, in YAML or JSON)
 * DELETE /actuator/sluice/policies/{name}?ifMatch=3                          = DELETE
 * DELETE /actuator/sluice/policies/{name}/keys/{key}                         = reset the key
 * </pre>
 * Actuator reads a write's body as a JSON object of strings, so the policy and the patch are text.
 */
final class SluiceEndpointOperations {
    private final SluiceManagementApi api;

    SluiceEndpointOperations(SluiceManagementApi api) {
        this.api = api;
    }

    CompletableFuture<WebEndpointResponse<Object>> read(Caller caller, String[] path) {
        return read(caller, path, Map.of());
    }

    /** A read with the REST API's query parameters (names and values as given, encoded here). */
    CompletableFuture<WebEndpointResponse<Object>> read(Caller caller, String[] path, Map<String, String> query) {
        StringBuilder target = new StringBuilder(path == null || path.length == 0 ? "/policies"
                : SluiceManagementApi.path(List.of(path)));
        char separator = '?';
        for (Map.Entry<String, String> parameter : query.entrySet()) {
            target.append(separator).append(parameter.getKey()).append('=')
                    .append(URLEncoder.encode(parameter.getValue(), StandardCharsets.UTF_8));
            separator = '&';
        }
        return api.read(caller, target.toString());
    }

    /** The given parameters ({@code name, value, ...}), in order, leaving out those that are null. */
    static Map<String, String> query(String... namesAndValues) {
        Map<String, String> query = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                query.put(namesAndValues[i], namesAndValues[i + 1]);
            }
        }
        return query;
    }

    CompletableFuture<WebEndpointResponse<Object>> write(Caller caller, String collection, String name,
            String policy, String patch, String ifMatch) {
        String path = SluiceManagementApi.path(List.of(collection, name));
        if ((policy == null) == (patch == null)) {
            WebEndpointResponse<Object> denied = api.authorize(caller, true);
            return CompletableFuture.completedFuture(denied != null ? denied : SluiceManagementApi.problem(400,
                    "bad-request", "Bad request", "Send exactly one of 'policy' (create or replace) and 'patch' "
                            + "(merge patch), each a string holding YAML or JSON; 'ifMatch' is optional."));
        }
        return policy != null ? api.write(caller, "PUT", path, policy, ifMatch)
                : api.write(caller, "PATCH", path, patch, ifMatch);
    }

    CompletableFuture<WebEndpointResponse<Object>> delete(Caller caller, String collection, String name,
            String ifMatch) {
        return api.write(caller, "DELETE", SluiceManagementApi.path(List.of(collection, name)), null, ifMatch);
    }

    CompletableFuture<WebEndpointResponse<Object>> resetKey(Caller caller, String collection, String name,
            String keys, String key) {
        return api.write(caller, "DELETE", SluiceManagementApi.path(List.of(collection, name, keys, key)), null,
                null);
    }
}
