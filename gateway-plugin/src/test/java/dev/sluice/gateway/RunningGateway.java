package dev.sluice.gateway;

import dev.sluice.core.Sluice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * A real gateway application on 127.0.0.1, port 0, in front of a real {@link EchoBackend}, configured by a YAML
 * file of the test class path ({@code spring.config.name}). The backend's URI is the property {@code backend.uri}.
 */
final class RunningGateway implements AutoCloseable {
    final EchoBackend backend;
    final ConfigurableApplicationContext context;
    final HttpClient client;
    private final ConnectionProvider connections;

    private RunningGateway(EchoBackend backend, ConfigurableApplicationContext context) {
        this.backend = backend;
        this.context = context;
        this.connections = ConnectionProvider.builder("gateway-test").maxConnections(1000)
                .pendingAcquireMaxCount(-1).build();
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        this.client = HttpClient.create(connections).baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(30));
    }

    /**
     * Redis's and the gateway's Redis auto-configurations: off unless a test clears
     * {@code spring.autoconfigure.exclude} (a later property wins). The Redis starter is on the test class path for
     * {@link RedisMigrationIT} only; elsewhere its {@code redisRateLimiter} would be one more {@code RateLimiter} and
     * its health contributor would look for a Redis that is not there.
     */
    static final List<String> REDIS = List.of(
            "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
            "org.springframework.boot.data.redis.autoconfigure.DataRedisReactiveAutoConfiguration",
            "org.springframework.boot.data.redis.autoconfigure.DataRedisRepositoriesAutoConfiguration",
            "org.springframework.boot.data.redis.autoconfigure.health.DataRedisHealthContributorAutoConfiguration",
            "org.springframework.boot.data.redis.autoconfigure.health."
                    + "DataRedisReactiveHealthContributorAutoConfiguration",
            "org.springframework.boot.data.redis.autoconfigure.observation.LettuceObservationAutoConfiguration",
            "org.springframework.cloud.gateway.config.GatewayRedisAutoConfiguration");

    /** Starts the gateway; {@code properties} ({@code key=value}) come after the defaults and override them. */
    static RunningGateway start(String configName, String... properties) {
        EchoBackend backend = new EchoBackend();
        try {
            List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
                    "spring.config.name=" + configName, "backend.uri=" + backend.uri(),
                    "spring.main.banner-mode=off", "spring.autoconfigure.exclude=" + String.join(",", REDIS)));
            all.addAll(List.of(properties));
            ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayTestApp.class)
                    .properties(all.toArray(String[]::new)).run();
            return new RunningGateway(backend, context);
        } catch (RuntimeException failed) {
            backend.close();
            throw failed;
        }
    }

    Sluice sluice() {
        return context.getBean(Sluice.class);
    }

    /** A GET, answered in full: status, headers and body. */
    Answer get(String path, Map<String, String> headers) {
        return client.headers(h -> headers.forEach(h::add)).get().uri(path)
                .responseSingle((response, body) -> body.asString().defaultIfEmpty("")
                        .map(text -> new Answer(response.status().code(), response.responseHeaders(), text)))
                .block(Duration.ofSeconds(30));
    }

    Answer get(String path) {
        return get(path, Map.of());
    }

    record Answer(int status, io.netty.handler.codec.http.HttpHeaders headers, String body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    @Override
    public void close() {
        try {
            context.close();
        } finally {
            connections.disposeLater().block(Duration.ofSeconds(10));
            backend.close();
        }
    }
}
