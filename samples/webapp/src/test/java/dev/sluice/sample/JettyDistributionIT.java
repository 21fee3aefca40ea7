package dev.sluice.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The sample WAR, unchanged, in an unmodified Jetty 12 distribution (jetty-home): its own JETTY_BASE with the http
 * and ee10-deploy modules, listening on 127.0.0.1 and a free port, deployed at /sample.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JettyDistributionIT {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ServerProcess jetty;
    private SampleChecks sample;

    @BeforeAll
    void start() throws Exception {
        Path home = Deployments.jettyHome();
        Path base = Deployments.workDirectory("jetty-");
        String startJar = home.resolve("start.jar").toAbsolutePath().toString();
        ServerProcess.run("Jetty --add-modules", List.of(ServerProcess.java(), "-jar", startJar,
                "--add-modules=http,ee10-deploy"), base, base.resolve("add-modules.log"));
        Files.createDirectories(base.resolve("webapps"));
        Files.copy(Deployments.war(), base.resolve("webapps/sample.war"));
        int port = ServerProcess.freePort();

        jetty = ServerProcess.start("Jetty", List.of(ServerProcess.java(), "-jar", startJar,
                        "jetty.http.host=127.0.0.1", "jetty.http.port=" + port),
                base, Map.of("SLUICE_HZ_PORT", Integer.toString(ServerProcess.freePort())), base.resolve("jetty.log"));
        sample = new SampleChecks(client, URI.create("http://127.0.0.1:" + port + "/sample/"));
        jetty.awaitReady(client, sample.uri("/echo/ready"));
    }

    @AfterAll
    void stop() throws Exception {
        if (jetty != null) {
            jetty.close();
        }
    }

    @Test
    void servesTheEchoEndpointAsynchronously() throws Exception {
        sample.echoes();
    }

    @Test
    void enforcesTheRateLimitOnHello() throws Exception {
        sample.limitsHello();
    }

    @Test
    void queuesWorkAndRefusesAfterTheMaximumWait() throws Exception {
        sample.queuesWorkAndRefusesAfterTheMaximumWait();
    }
}
