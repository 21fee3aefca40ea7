package dev.sluice.gateway;

import dev.sluice.core.management.ManagementRequest;
import dev.sluice.core.management.ManagementResponse;
import dev.sluice.core.management.ManagementService;
import java.net.InetSocketAddress;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Serves the management API ({@link ManagementService}) and its dashboard page ({@code GET <mount>/}; {@code <mount>}
 * redirects there) under a mount path such as {@code /sluice}: every
 * method, raw bodies (JSON, YAML, merge patches) and the headers the API reads, as the servlet endpoint does. The
 * body is read without blocking and at most {@code maxBodyBytes + 1} bytes of it are kept; the answer is written
 * when the service's future completes. Thread-safe.
 */
final class ManagementHandler {
    private final ManagementService service;
    private final String mount;
    private final int maxBodyBytes;

    ManagementHandler(ManagementService service, String mount, int maxBodyBytes) {
        this.service = service;
        this.mount = mount;
        this.maxBodyBytes = maxBodyBytes;
    }

    Mono<ServerResponse> handle(ServerRequest request) {
        String raw = request.requestPath().pathWithinApplication().value();
        if (raw.equals(mount) && (request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD)) {
            // the dashboard is at <mount>/: its script and style sheet are addressed relative to that
            return ServerResponse.status(HttpStatus.FOUND).header("Location", request.requestPath().value() + "/")
                    .header("Cache-Control", "no-store").build();
        }
        String query = request.uri().getRawQuery();
        String below = (raw.length() > mount.length() ? raw.substring(mount.length()) : "/")
                + (query == null ? "" : "?" + query);
        return DataBufferUtils.join(request.bodyToFlux(DataBuffer.class), maxBodyBytes)
                .map(ManagementHandler::bytes)
                .map(Body::new)
                .onErrorResume(DataBufferLimitException.class, tooLarge -> Mono.just(Body.TOO_LARGE))
                .defaultIfEmpty(Body.EMPTY)
                .flatMap(body -> Mono.fromFuture(service.handle(new ManagementRequest(request.method().name(), below,
                        name -> request.headers().firstHeader(name), body.bytes(), body.tooLarge(),
                        remote(request)))))
                .flatMap(ManagementHandler::write);
    }

    private static byte[] bytes(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        } finally {
            DataBufferUtils.release(buffer);
        }
    }

    private static String remote(ServerRequest request) {
        return request.remoteAddress()
                .map(address -> address.getAddress() != null ? address.getAddress().getHostAddress()
                        : ((InetSocketAddress) address).getHostString())
                .orElse("unknown");
    }

    private static Mono<ServerResponse> write(ManagementResponse answer) {
        ServerResponse.BodyBuilder builder = ServerResponse.status(answer.status())
                .headers(headers -> {
                    answer.headers().forEach(headers::set);
                    headers.setCacheControl("no-store");
                });
        if (answer.contentType() != null) {
            builder.contentType(MediaType.parseMediaType(answer.contentType()));
        }
        return answer.body().length == 0 ? builder.build() : builder.bodyValue(answer.body());
    }

    private record Body(byte[] bytes, boolean tooLarge) {
        static final Body EMPTY = new Body(new byte[0], false);
        static final Body TOO_LARGE = new Body(new byte[0], true);

        Body(byte[] bytes) {
            this(bytes, false);
        }
    }
}
