package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

/** With management.server.port set, the endpoint sluice is served there, with its credentials check, and not on the gateway's port. */
class ManagementPortIT {

    private static int status(HttpClient client, String path, Map<String, String> headers) {
        return client.headers(h -> headers.forEach(h::add)).get().uri(path)
                .responseSingle((response, body) -> body.asString().defaultIfEmpty("")
                        .map(ignored -> response.status().code()))
                .block(Duration.ofSeconds(30));
    }

    @Test
    void theEndpointMovesToTheManagementPort() {
        try (RunningGateway gateway = RunningGateway.start("managed", "management.server.port=0",
                "management.server.address=127.0.0.1")) {
            int port = gateway.context.getEnvironment().getProperty("local.management.port", Integer.class);
            HttpClient management = HttpClient.create().baseUrl("http://127.0.0.1:" + port)
                    .responseTimeout(Duration.ofSeconds(30));
            Map<String, String> token = Map.of("Authorization", "Bearer secret-token");
            assertThat(status(gateway.client, "/actuator/sluice/policies", token)).isEqualTo(404);
            assertThat(status(management, "/actuator/sluice/policies", Map.of())).isEqualTo(401);
            assertThat(status(management, "/actuator/sluice/policies", token)).isEqualTo(200);
        }
    }
}
