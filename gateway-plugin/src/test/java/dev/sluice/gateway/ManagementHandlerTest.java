package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Rate;
import dev.sluice.core.management.ManagementService;
import dev.sluice.core.management.ManagementSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpMethod;
import org.springframework.mock.web.reactive.function.server.MockServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;

/** The REST router's handler (gateways without Actuator) serves the dashboard at its mount + "/". */
class ManagementHandlerTest {
    @Test
    void redirectsTheMountToTheDashboardAndServesIt() {
        try (Sluice sluice = Sluice.builder().policies(new PolicySet(List.of(
                Policy.builder("api").rate(new Rate(10, Duration.ofSeconds(1))).build()))).build();
                ManagementService service = new ManagementService(sluice,
                        ManagementSettings.withToken("secret").readsNeedToken(true))) {
            ManagementHandler handler = new ManagementHandler(service, "/sluice", 65536);

            ServerResponse bare = handler.handle(get("/sluice")).block(Duration.ofSeconds(10));
            assertThat(bare.statusCode().value()).isEqualTo(302);
            assertThat(bare.headers().getFirst("Location")).isEqualTo("/sluice/");

            ServerResponse page = handler.handle(get("/sluice/")).block(Duration.ofSeconds(10));
            assertThat(page.statusCode().value()).isEqualTo(200);
            assertThat(page.headers().getContentType().toString()).startsWith("text/html");
            assertThat(page.headers().getFirst("Content-Security-Policy")).contains("default-src 'none'");

            ServerResponse data = handler.handle(get("/sluice/policies")).block(Duration.ofSeconds(10));
            assertThat(data.statusCode().value()).as("the data still needs the token").isEqualTo(401);
        }
    }

    private static MockServerRequest get(String path) {
        return MockServerRequest.builder().method(HttpMethod.GET).uri(URI.create("http://127.0.0.1" + path))
                .body(Flux.<DataBuffer>empty());
    }
}
