package dev.sluice.sample;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The checks every deployment of the sample passes (see {@link SampleChecks}), run against one server started once
 * for the class. A subclass says how to start its server; this class waits until the application answers and always
 * stops the server afterwards, also when it never became ready.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DeployedSample {
    /** A started server and the root of the application in it (ending with '/'). */
    record Deployment(ServerProcess server, URI root) { }

    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    ServerProcess server;
    SampleChecks sample;

    /** Starts the server without waiting for it; blocking steps before the start (unpacking, configuring) are fine. */
    abstract Deployment deploy() throws Exception;

    @BeforeAll
    void start() throws Exception {
        Deployment deployment = deploy();
        server = deployment.server();
        sample = new SampleChecks(client, deployment.root());
        server.awaitReady(client, sample.uri("/echo/ready"));
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
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

    @Test
    void servesTheDashboardFromTheManagementServlet() throws Exception {
        sample.servesTheDashboard();
    }
}
