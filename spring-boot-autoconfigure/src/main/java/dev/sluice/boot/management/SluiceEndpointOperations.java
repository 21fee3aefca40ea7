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
 * POST   /actuator/sluice/policies/{name}/candidate  {"policy": "...", "ifMatch": "3"}  = PUT  .../candidate
 * POST   /actuator/sluice/policies/{name}/candidate  {"patch": "...", "ifMatch": "3"}   = PATCH .../candidate
 * POST   /actuator/sluice/policies/{name}/candidate/promote  {"ifMatch": "3"}       = POST .../candidate/promote
 * DELETE /actuator/sluice/policies/{name}/candidate?ifMatch=3                = DELETE .../candidate
 * </pre>
 * (GET .../candidate is a read like the others.) Actuator reads a write's body as a JSON object of strings, so the
 * policy and the patch are text; a candidate's {@code expires} is written inside that text, as in the REST API's
 * body.
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

    /**
     * {@code POST .../{segments}} with {@code policy} (= PUT) or {@code patch} (= PATCH): a policy
     * ({@code policies/{name}}) or its candidate ({@code policies/{name}/candidate}).
     */
    CompletableFuture<WebEndpointResponse<Object>> write(Caller caller, List<String> segments, String policy,
            String patch, String ifMatch) {
        String path = SluiceManagementApi.path(segments);
        if ((policy == null) == (patch == null)) {
            WebEndpointResponse<Object> denied = api.authorize(caller, true);
            return CompletableFuture.completedFuture(denied != null ? denied : SluiceManagementApi.problem(400,
                    "bad-request", "Bad request", "Send exactly one of 'policy' (create or replace) and 'patch' "
                            + "(merge patch), each a string holding YAML or JSON; 'ifMatch' is optional."));
        }
        return policy != null ? api.write(caller, "PUT", path, policy, ifMatch)
                : api.write(caller, "PATCH", path, patch, ifMatch);
    }

    /** {@code POST .../{segments}} without a body: the REST API's POST ({@code policies/{name}/candidate/promote}). */
    CompletableFuture<WebEndpointResponse<Object>> post(Caller caller, List<String> segments, String ifMatch) {
        return api.write(caller, "POST", SluiceManagementApi.path(segments), null, ifMatch);
    }

    /** {@code DELETE .../{segments}}: a policy, its candidate, or one of its keys (a reset). */
    CompletableFuture<WebEndpointResponse<Object>> delete(Caller caller, List<String> segments, String ifMatch) {
        return api.write(caller, "DELETE", SluiceManagementApi.path(segments), null, ifMatch);
    }
}
