package dev.sluice.gateway;

import dev.sluice.core.Admission;
import dev.sluice.core.PendingAdmission;
import dev.sluice.core.RequestView;
import dev.sluice.core.http.Refusal;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;

/**
 * The reactive admission of one exchange, shared by the route filter and the global filter: decide, then answer the
 * refusal or continue the chain, and give back what was taken exactly once.
 *
 * <ul>
 *   <li>No thread waits: a queued request is a pending {@link CompletableFuture} turned into a {@link Mono}. When
 *       it completes later (on the engine's timer or a releasing request's thread), the chain continues on
 *       the event loop of the request's own connection.</li>
 *   <li>When the exchange is cancelled while waiting (the client has gone), the decision is cancelled: the request
 *       leaves the queue and nothing it would have taken stays held.</li>
 *   <li>An admitted request's {@link Admission#release()} runs when the chain completes, fails or is cancelled
 *       ({@code doFinally}), and only then.</li>
 * </ul>
 */
final class ExchangeAdmission {
    private static final MediaType PROBLEM_JSON = MediaType.parseMediaType(Refusal.PROBLEM_JSON);

    private ExchangeAdmission() {}

    /**
     * @param decide the engine call for this view; returns null when no policy applies (the chain then continues
     *               untouched)
     */
    static Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain,
            Function<RequestView, CompletableFuture<Admission>> decide) {
        return exchange.getPrincipal()
                .map(principal -> Optional.ofNullable(principal.getName()))
                .defaultIfEmpty(Optional.empty())
                .flatMap(name -> decide(exchange, chain, decide, name.orElse(null)));
    }

    private static Mono<Void> decide(ServerWebExchange exchange, GatewayFilterChain chain,
            Function<RequestView, CompletableFuture<Admission>> decide, String principal) {
        CompletableFuture<Admission> decision = decide.apply(new GatewayRequestView(exchange.getRequest(), principal));
        if (decision == null) {
            return chain.filter(exchange);
        }
        Mono<Admission> admission = Mono.fromFuture(decision, true);
        if (!decision.isDone()) {
            admission = admission.publishOn(eventLoopOf(exchange));
        }
        return admission
                .flatMap(decided -> decided.admitted() ? proceed(exchange, chain, decided) : refuse(exchange, decided))
                // Cancelled while queued: leave the queue. Done: release once the chain has finished.
                .doFinally(signal -> PendingAdmission.settle(decision));
    }

    /**
     * Where a queued request continues once admitted: the event loop of its own connection when the server is
     * Reactor Netty (so the rest of the chain runs where it would have run without waiting), else Reactor's
     * parallel scheduler. Never the thread that completed the decision (the engine's timer).
     */
    static Scheduler eventLoopOf(ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        while (request instanceof ServerHttpRequestDecorator decorator) {
            request = decorator.getDelegate();
        }
        if (request instanceof AbstractServerHttpRequest server
                && server.getNativeRequest() instanceof Connection connection) {
            return Schedulers.fromExecutor(connection.channel().eventLoop());
        }
        return Schedulers.parallel();
    }

    private static Mono<Void> proceed(ServerWebExchange exchange, GatewayFilterChain chain, Admission admission) {
        addHeaders(exchange.getResponse().getHeaders(), admission.headers());
        return chain.filter(exchange);
    }

    static void addHeaders(HttpHeaders headers, List<Admission.Header> toAdd) {
        for (Admission.Header header : toAdd) {
            headers.add(header.name(), header.value());
        }
    }

    /**
     * Answers a refusal ({@link Refusal}): its status, its headers and its RFC 9457 problem body; the chain is not
     * called.
     */
    static Mono<Void> refuse(ServerWebExchange exchange, Admission admission) {
        Refusal refusal = Refusal.of(admission);
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(HttpStatusCode.valueOf(refusal.status()));
        HttpHeaders headers = response.getHeaders();
        addHeaders(headers, refusal.headers());
        if (!refusal.hasBody()) {
            headers.setContentLength(0);
            return response.setComplete();
        }
        headers.setContentType(PROBLEM_JSON);
        headers.setContentLength(refusal.body().length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(refusal.body())));
    }
}
