package dev.sluice.bench.gateway;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The gateway's counterpart of the servlet harness's {@code ArrivalRecorder}, for the accuracy runs: a web filter
 * ahead of everything else (the gateway's routing, and so every limiter, comes after web filters) that notes when
 * each {@code /hello} request reached the gateway ({@link System#nanoTime()}, which on Linux counts from the same
 * origin in every process of the machine), and answers {@code GET /arrivals} itself with the times, one number a
 * line, in arrival order. A gap between two arrivals is a time in which the limiter saw no request, whatever paused
 * (the client, the gateway, the machine). Thread-safe; 8 bytes a request, kept until the JVM ends.
 */
final class GatewayArrivals implements WebFilter, Ordered {
    private long[] arrivals = new long[16 * 1024];
    private int count;

    private synchronized void note(long nanos) {
        if (count == arrivals.length) {
            arrivals = Arrays.copyOf(arrivals, arrivals.length * 2);
        }
        arrivals[count++] = nanos;
    }

    private synchronized long[] snapshot() {
        return Arrays.copyOf(arrivals, count);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().value();
        if (path.equals("/hello")) {
            note(System.nanoTime());
        } else if (path.equals("/arrivals") && exchange.getRequest().getMethod() == HttpMethod.GET) {
            StringBuilder body = new StringBuilder();
            for (long arrival : snapshot()) {
                body.append(arrival).append('\n');
            }
            ServerHttpResponse response = exchange.getResponse();
            response.getHeaders().setContentType(MediaType.TEXT_PLAIN);
            return response.writeWith(Mono.just(response.bufferFactory()
                    .wrap(body.toString().getBytes(StandardCharsets.US_ASCII))));
        }
        return chain.filter(exchange);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
