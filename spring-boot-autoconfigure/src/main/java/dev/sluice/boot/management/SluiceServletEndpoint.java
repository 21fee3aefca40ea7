package dev.sluice.boot.management;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The Actuator endpoint {@code sluice} for servlet applications (operations: {@link SluiceEndpointOperations}).
 * Actuator runs servlet operations on the request's thread; each waits for the management service, which answers
 * within its own time limit (a problem 504 past it), and at most {@value #WAIT_SECONDS} s in any case.
 */
@Endpoint(id = "sluice")
public class SluiceServletEndpoint {
    static final int WAIT_SECONDS = 30;
    private final SluiceEndpointOperations operations;

    public SluiceServletEndpoint(SluiceManagementApi api) {
        this.operations = new SluiceEndpointOperations(api);
    }

    @ReadOperation
    public WebEndpointResponse<Object> policies(SecurityContext security) {
        return await(operations.read(caller(security), null));
    }

    /**
     * {@code GET /actuator/sluice/{path...}}; the query parameters of the REST API's reads
     * ({@code /policies/{name}/top}, {@code /policies/{name}/keys}, {@code /audit}) pass through.
     */
    @ReadOperation
    public WebEndpointResponse<Object> read(SecurityContext security, @Nullable String outcome, @Nullable String window,
            @Nullable String limit, @Nullable String scope, @Nullable String after, @Nullable String policy,
            @Selector(match = Selector.Match.ALL_REMAINING) String... path) {
        java.util.Map<String, String> query = SluiceEndpointOperations.query("outcome", outcome, "window", window,
                "limit", limit, "scope", scope, "after", after, "policy", policy);
        return await(operations.read(caller(security), path, query));
    }

    /** {@code POST /actuator/sluice/policies/{name}}: PUT ({@code policy}) or PATCH ({@code patch}) of a policy. */
    @WriteOperation
    public WebEndpointResponse<Object> write(SecurityContext security, @Selector String collection,
            @Selector String name, @Nullable String policy, @Nullable String patch,
            @Nullable String ifMatch) {
        return await(operations.write(caller(security), List.of(collection, name), policy, patch, ifMatch));
    }

    /** {@code POST /actuator/sluice/policies/{name}/candidate}: PUT ({@code policy}) or PATCH ({@code patch}). */
    @WriteOperation
    public WebEndpointResponse<Object> writeCandidate(SecurityContext security, @Selector String collection,
            @Selector String name, @Selector String candidate, @Nullable String policy, @Nullable String patch,
            @Nullable String ifMatch) {
        return await(operations.write(caller(security), List.of(collection, name, candidate), policy, patch, ifMatch));
    }

    /** {@code POST /actuator/sluice/policies/{name}/candidate/promote} with {@code ifMatch}. */
    @WriteOperation
    public WebEndpointResponse<Object> promote(SecurityContext security, @Selector String collection,
            @Selector String name, @Selector String candidate, @Selector String action, @Nullable String ifMatch) {
        return await(operations.post(caller(security), List.of(collection, name, candidate, action), ifMatch));
    }

    @DeleteOperation
    public WebEndpointResponse<Object> delete(SecurityContext security, @Selector String collection,
            @Selector String name, @Nullable String ifMatch) {
        return await(operations.delete(caller(security), List.of(collection, name), ifMatch));
    }

    /** {@code DELETE /actuator/sluice/policies/{name}/candidate}: discards the candidate. */
    @DeleteOperation
    public WebEndpointResponse<Object> deleteCandidate(SecurityContext security, @Selector String collection,
            @Selector String name, @Selector String candidate, @Nullable String ifMatch) {
        return await(operations.delete(caller(security), List.of(collection, name, candidate), ifMatch));
    }

    @DeleteOperation
    public WebEndpointResponse<Object> resetKey(SecurityContext security, @Selector String collection,
            @Selector String name, @Selector String keys, @Selector String key) {
        return await(operations.delete(caller(security), List.of(collection, name, keys, key), null));
    }

    private static Caller caller(SecurityContext security) {
        RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
        if (attributes instanceof ServletRequestAttributes servlet) {
            return Callers.of(servlet.getRequest().getHeader("Authorization"), servlet.getRequest().getRemoteAddr(),
                    security);
        }
        return Callers.of(null, null, security);
    }

    private static WebEndpointResponse<Object> await(CompletableFuture<WebEndpointResponse<Object>> answer) {
        try {
            return answer.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return SluiceManagementApi.problem(503, "interrupted", "Interrupted", "The call was interrupted.");
        } catch (TimeoutException | java.util.concurrent.ExecutionException failed) {
            return SluiceManagementApi.problem(504, "timeout", "No answer in time",
                    "The management service did not answer within " + WAIT_SECONDS + " s.");
        }
    }
}
