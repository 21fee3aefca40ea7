package dev.sluice.boot.secured;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

/**
 * The starter behind Spring Security: the filter runs right after the security chain (so key: principal sees the
 * signed-in user), and the Actuator endpoint reads for any signed-in user, writes for the authority only (policies
 * and their candidates alike).
 */
@SpringBootTest(classes = SecuredApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "server.address=127.0.0.1", "management.endpoints.web.exposure.include=sluice",
        "sluice.policies[0].name=per-user", "sluice.policies[0].match.paths[0]=/me",
        "sluice.policies[0].key=principal", "sluice.policies[0].rate.limit=1", "sluice.policies[0].rate.period=1h"})
class SecuredEndpointIT {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @LocalServerPort
    int port;
    @Autowired
    Sluice sluice;
    @Autowired
    @Qualifier("sluiceFilterRegistration")
    FilterRegistrationBean<?> registration;

    private HttpResponse<String> send(String method, String path, String user, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + user + "-pw").getBytes(StandardCharsets.UTF_8)));
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theFilterRunsAfterSpringSecuritySoPrincipalKeysWork() throws Exception {
        assertThat(registration.getOrder()).isEqualTo(-99);
        assertThat(send("GET", "/me", "admin", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/me", "viewer", null).statusCode()).as("another principal, another bucket")
                .isEqualTo(200);
        assertThat(send("GET", "/me", "admin", null).statusCode()).isEqualTo(429);
    }

    @Test
    void readsNeedASignedInUserAndWritesTheAuthority() throws Exception {
        assertThat(send("GET", "/actuator/sluice/policies", null, null).statusCode()).isEqualTo(401);
        HttpResponse<String> read = send("GET", "/actuator/sluice/policies/per-user", "viewer", null);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).contains("per-user");
        HttpResponse<String> refused = send("POST", "/actuator/sluice/policies/per-user", "viewer",
                "{\"patch\":\"rate: {limit: 7}\"}");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.body()).contains("SLUICE_ADMIN");
        HttpResponse<String> changed = send("POST", "/actuator/sluice/policies/per-user", "admin",
                "{\"patch\":\"rate: {limit: 7}\"}");
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        assertThat(sluice.policies().get(0).policy().rate().limit()).isEqualTo(7);
        assertThat(send("GET", "/actuator/sluice/audit", "viewer", null).body()).as("the audit names the user and "
                + "the address").contains("\"who\":\"admin\"").contains("\"address\":\"127.0.0.1\"");
    }

    @Test
    void candidatesAreReadByAnySignedInUserAndWrittenWithTheAuthority() throws Exception {
        String candidate = "/actuator/sluice/policies/per-user/candidate";
        HttpResponse<String> refused = send("POST", candidate, "viewer", "{\"patch\":\"rate: {limit: 2}\"}");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(send("GET", candidate, "viewer", null).statusCode()).as("nothing was written").isEqualTo(404);
        assertThat(send("POST", candidate, null, "{\"patch\":\"rate: {limit: 2}\"}").statusCode()).isEqualTo(401);
        HttpResponse<String> started = send("POST", candidate, "admin", "{\"patch\":\"rate: {limit: 2}\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(201);

        HttpResponse<String> report = send("GET", candidate, "viewer", null);
        assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
        assertThat(report.body()).contains("\"decisions\"", "\"candidate-only-keys-counted\"");
        assertThat(send("GET", candidate, null, null).statusCode()).isEqualTo(401);
        String version = Long.toString(sluice.policyStore().get("per-user").orElseThrow().version());
        assertThat(send("POST", candidate + "/promote", "viewer", "{\"ifMatch\":\"" + version + "\"}").statusCode())
                .isEqualTo(403);
        assertThat(send("DELETE", candidate, "viewer", null).statusCode()).isEqualTo(403);
        assertThat(send("DELETE", candidate, "admin", null).statusCode()).isEqualTo(204);
        assertThat(send("GET", "/actuator/sluice/audit?policy=per-user", "viewer", null).body())
                .contains("\"action\":\"candidate-patch\"", "\"action\":\"candidate-delete\"")
                .doesNotContain("\"action\":\"promote\"");
    }
}
