package dev.sluice.sample.gateway;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The sample's backend, started by the sample itself on a free loopback port: {@code GET /echo/**} answers 200 with
 * the path, like the sample webapp's echo; {@code ?ms=N} (0 to 60000) answers after N milliseconds without holding a
 * thread. Answers carry {@code X-Echo-Started} and {@code X-Echo-Finished} (wall-clock microseconds).
 */
final class EchoBackend implements AutoCloseable {
    static final long MAX_DELAY_MILLIS = 60_000;

    private final DisposableServer server;

    EchoBackend() {
        server = HttpServer.create().host("127.0.0.1").port(0)
                .route(routes -> routes.get("/echo/**", (request, response) -> {
                    long started = nowMicros();
                    String path = request.fullPath();
                    long delay = delay(new QueryStringDecoder(request.uri()).parameters().get("ms"));
                    if (delay < 0) {
                        return response.status(400).sendString(Mono.just("ms must be a whole number of "
                                + "milliseconds from 0 to " + MAX_DELAY_MILLIS));
                    }
                    return Mono.delay(Duration.ofMillis(delay)).then(Mono.defer(() -> response
                            .header("X-Echo-Started", Long.toString(started))
                            .header("X-Echo-Finished", Long.toString(nowMicros()))
                            .header("Content-Type", "text/plain;charset=UTF-8")
                            .sendString(Mono.just(path)).then()));
                }))
                .bindNow(Duration.ofSeconds(10));
    }

    private static long delay(List<String> values) {
        if (values == null || values.isEmpty()) {
            return 0;
        }
        String text = values.get(0);
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        long value = Long.parseLong(text);
        return value > MAX_DELAY_MILLIS ? -1 : value;
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    String uri() {
        return "http://127.0.0.1:" + server.port();
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(10));
    }
}
