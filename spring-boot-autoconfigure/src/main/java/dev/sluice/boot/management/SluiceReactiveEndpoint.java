package dev.sluice.boot.management;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.filter.reactive.ServerWebExchangeContextFilter;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The Actuator endpoint {@code sluice} for reactive applications (the gateway; operations:
 * {@link SluiceEndpointOperations}). Never blocks: each operation is the management service's future. The
 * {@code Authorization} header is read from the exchange that {@link ServerWebExchangeContextFilter} puts in the
 * Reactor context (registered in the management context, so on the management port too).
 */
@Endpoint(id = "sluice")
public class SluiceReactiveEndpoint {
    private final SluiceEndpointOperations operations;

    public SluiceReactiveEndpoint(SluiceManagementApi api) {
        this.operations = new SluiceEndpointOperations(api);
    }

    @ReadOperation
    public Mono<WebEndpointResponse<Object>> policies(SecurityContext security) {
        return answer(security, caller -> operations.read(caller, null));
    }

    /**
     * {@code GET /actuator/sluice/{path...}}; the query parameters of the REST API's reads
     * ({@code /policies/{name}/top}, {@code /policies/{name}/keys}, {@code /audit}) pass through.
     */
    @ReadOperation
    public Mono<WebEndpointResponse<Object>> read(SecurityContext security, @Nullable String outcome, @Nullable String window,
            @Nullable String limit, @Nullable String scope, @Nullable String after, @Nullable String policy,
            @Selector(match = Selector.Match.ALL_REMAINING) String... path) {
        java.util.Map<String, String> query = SluiceEndpointOperations.query("outcome", outcome, "window", window,
                "limit", limit, "scope", scope, "after", after, "policy", policy);
        return answer(security, caller -> operations.read(caller, path, query));
    }

    /** {@code POST /actuator/sluice/policies/{name}}: PUT ({@code policy}) or PATCH ({@code patch}) of a policy. */
    @WriteOperation
    public Mono<WebEndpointResponse<Object>> write(SecurityContext security, @Selector String collection,
            @Selector String name, @Nullable String policy, @Nullable String patch,
            @Nullable String ifMatch) {
        return answer(security, caller -> operations.write(caller, List.of(collection, name), policy, patch, ifMatch));
    }

    /** {@code POST /actuator/sluice/policies/{name}/candidate}: PUT ({@code policy}) or PATCH ({@code patch}). */
    @WriteOperation
    public Mono<WebEndpointResponse<Object>> writeCandidate(SecurityContext security, @Selector String collection,
            @Selector String name, @Selector String candidate, @Nullable String policy, @Nullable String patch,
            @Nullable String ifMatch) {
        return answer(security, caller -> operations.write(caller, List.of(collection, name, candidate),
                policy, patch, ifMatch));
    }

    /** {@code POST /actuator/sluice/policies/{name}/candidate/promote} with {@code ifMatch}. */
    @WriteOperation
    public Mono<WebEndpointResponse<Object>> promote(SecurityContext security, @Selector String collection,
            @Selector String name, @Selector String candidate, @Selector String action, @Nullable String ifMatch) {
        return answer(security, caller -> operations.post(caller, List.of(collection, name, candidate, action),
                ifMatch));
    }

    @DeleteOperation
    public Mono<WebEndpointResponse<Object>> delete(SecurityContext security, @Selector String collection,
            @Selector String name, @Nullable String ifMatch) {
        return answer(security, caller -> operations.delete(caller, List.of(collection, name), ifMatch));
    }

    /** {@code DELETE /actuator/sluice/policies/{name}/candidate}: discards the candidate. */
    @DeleteOperation
    public Mono<WebEndpointResponse<Object>> deleteCandidate(SecurityContext security, @Selector String collection,
            @Selector String name, @Selector String candidate, @Nullable String ifMatch) {
        return answer(security, caller -> operations.delete(caller, List.of(collection, name, candidate), ifMatch));
    }

    @DeleteOperation
    public Mono<WebEndpointResponse<Object>> resetKey(SecurityContext security, @Selector String collection,
            @Selector String name, @Selector String keys, @Selector String key) {
        return answer(security, caller -> operations.delete(caller, List.of(collection, name, keys, key), null));
    }

    private static Mono<WebEndpointResponse<Object>> answer(SecurityContext security,
            Function<Caller, CompletableFuture<WebEndpointResponse<Object>>> call) {
        return Mono.deferContextual(context -> {
            ServerHttpRequest request = ServerWebExchangeContextFilter.getExchange(context)
                    .map(ServerWebExchange::getRequest).orElse(null);
            String authorization = request == null ? null : request.getHeaders().getFirst("Authorization");
            String address = request == null || request.getRemoteAddress() == null ? null
                    : request.getRemoteAddress().getAddress() != null
                            ? request.getRemoteAddress().getAddress().getHostAddress()
                            : request.getRemoteAddress().getHostString();
            return Mono.fromFuture(() -> call.apply(Callers.of(authorization, address, security)));
        });
    }
}
