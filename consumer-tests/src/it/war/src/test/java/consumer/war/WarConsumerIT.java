package consumer.war;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Deploys the WAR this build packaged, unchanged but for its cluster's name, into an embedded Jetty 12 (ee10). */
class WarConsumerIT {
    private Server server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void theWarServesThenRefusesUnderItsClusterRatePolicy() throws Exception {
        Path war = Path.of(System.getProperty("consumer.war"));
        // Its own cluster name, so that no other member on this machine joins it, and a patient time limit (a first
        // cluster call on a loaded 2-core build machine can take longer than the default 50 ms, and the policy would
        // then fall back to its on-backend-failure rule): an override descriptor adds the filter's init-params.
        Path override = Files.createTempFile(Path.of("target"), "override-web", ".xml");
        Files.writeString(override, """
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <filter>
                    <filter-name>sluice</filter-name>
                    <init-param>
                      <param-name>cluster-options</param-name>
                      <param-value>cluster-name=consumer-%s</param-value>
                    </init-param>
                    <init-param>
                      <param-name>cluster-timeout</param-name>
                      <param-value>5s</param-value>
                    </init-param>
                  </filter>
                </web-app>
                """.formatted(UUID.randomUUID()));

        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setWar(war.toString());
        webapp.addOverrideDescriptor(override.toUri().toString());
        webapp.getProtectedClassMatcher().add("org.slf4j.");
        webapp.getHiddenClassMatcher().add("-org.slf4j.");
        webapp.setThrowUnavailableOnStartupException(true);
        server.setHandler(webapp);
        server.start();

        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/hello"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            statuses.add(response.statusCode());
        }
        System.out.println("[consumer] war answered " + statuses);
        assertThat(statuses).containsExactly(200, 200, 200, 429);
    }
}
