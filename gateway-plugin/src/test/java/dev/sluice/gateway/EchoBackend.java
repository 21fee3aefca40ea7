package dev.sluice.gateway;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The backend behind the gateway in tests: a Reactor Netty server on 127.0.0.1, port 0. {@code /echo/**} answers
 * 200 with the path, after {@code ?ms=N} milliseconds without holding a thread; {@code /hold/**} answers only once
 * {@link #releaseHeld()} is called. Counts requests, those in flight now and the most in flight at once (a request stops counting before its
 * answer is sent, so the gateway cannot have released its permit while it still counts).
 */
final class EchoBackend implements AutoCloseable {
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    private final Sinks.Empty<Void> held = Sinks.empty();
    private final DisposableServer server;

    EchoBackend() {
        server = HttpServer.create().host("127.0.0.1").port(0)
                .route(routes -> routes
                        .get("/echo/**", (request, response) -> {
                            String ms = new io.netty.handler.codec.http.QueryStringDecoder(request.uri())
                                    .parameters().getOrDefault("ms", java.util.List.of("0")).get(0);
                            String path = request.fullPath();
                            return response.sendString(track(Mono.delay(Duration.ofMillis(Long.parseLong(ms)))
                                    .map(tick -> path)));
                        })
                        .get("/hold/**", (request, response) -> {
                            String path = request.fullPath();
                            return response.sendString(track(held.asMono().then(Mono.just(path))));
                        }))
                .bindNow(Duration.ofSeconds(10));
    }

    private Mono<String> track(Mono<String> answer) {
        return Mono.defer(() -> {
            requests.incrementAndGet();
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            return answer;
        }).doOnNext(body -> inFlight.decrementAndGet()).doOnCancel(inFlight::decrementAndGet);
    }

    void releaseHeld() {
        held.tryEmitEmpty();
    }

    String uri() {
        return "http://127.0.0.1:" + server.port();
    }

    @Override
    public void close() {
        releaseHeld();
        server.disposeNow(Duration.ofSeconds(10));
    }
}
