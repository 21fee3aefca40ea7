package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.PolicyParser;
import dev.sluice.core.spi.ClusterSettings;
import dev.sluice.core.testkit.Ports;
import dev.sluice.filter.SluiceFilter;
import dev.sluice.filter.SluiceManagementServlet;
import dev.sluice.hazelcast.HazelcastCluster;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One Sluice node in this JVM: an embedded Hazelcast member, the engine, and Jetty on 127.0.0.1 (port 0) serving
 * SluiceFilter and the management servlet ({@code /sluice/*}) in front of an application that answers {@code ok}.
 * The engine publishes its top keys every 200 ms, so that reads merged across the cluster settle quickly.
 */
final class EmbeddedNode implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(30);

    /**
     * What the nodes of one test share: the cluster's name, every member's port (each node lists them all as its
     * peers), the policies (YAML) and the management servlet's token.
     */
    record Cluster(String name, List<Integer> memberPorts, String policies, String token) {
        Cluster {
            memberPorts = List.copyOf(memberPorts);
        }

        /** A cluster named {@code prefix} and a random suffix, with {@code members} free member ports. */
        static Cluster of(String prefix, int members, String policies, String token) {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < members; i++) {
                ports.add(Ports.freeMemberPort());
            }
            return new Cluster(prefix + "-" + UUID.randomUUID().toString().substring(0, 8), ports, policies, token);
        }

        /** Starts the node {@code name} as the member on {@code memberPorts().get(member)}. */
        EmbeddedNode start(String nodeName, int member) throws Exception {
            return new EmbeddedNode(nodeName, this, memberPorts.get(member));
        }
    }

    final String name;
    private final HazelcastCluster cluster;
    private final Sluice sluice;
    private final Server server;
    private final int port;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private EmbeddedNode(String name, Cluster of, int memberPort) throws Exception {
        this.name = name;
        List<String> members = new ArrayList<>();
        for (int peer : of.memberPorts()) {
            members.add("127.0.0.1:" + peer);
        }
        cluster = HazelcastCluster.start(new ClusterSettings("embedded", null, members, memberPort, "127.0.0.1",
                Map.of(HazelcastCluster.CLUSTER_NAME_OPTION, of.name(), HazelcastCluster.TIMEOUT_OPTION, "5s")));
        sluice = Sluice.builder().policies(new PolicyParser().parse(of.policies(), "test")).cluster(cluster)
                .topKeysInterval(Duration.ofMillis(200)).build();
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        FilterHolder filter = new FilterHolder(new SluiceFilter(sluice));
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        ServletHolder management = new ServletHolder(SluiceManagementServlet.class);
        management.setAsyncSupported(true);
        management.setInitParameter("token", of.token());
        context.addServlet(management, "/sluice/*");
        context.addServlet(new ServletHolder(new Ok()), "/*");
        server.setHandler(context);
        server.start();
        port = connector.getLocalPort();
    }

    /** Sends a request to this node and waits (at most 20 s) for the answer; {@code headers} are name, value pairs. */
    HttpResponse<String> send(String method, String path, String body, String... headers) {
        try {
            return client.send(request(method, path, body, headers), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException failure) {
            throw new AssertionError(name + ": " + method + " " + path + " failed", failure);
        }
    }

    /** Sends a GET to this node without waiting for the answer (which must come within 60 s). */
    CompletableFuture<HttpResponse<String>> sendAsync(String path, String... headers) {
        return client.sendAsync(request("GET", path, null, headers), HttpResponse.BodyHandlers.ofString())
                .orTimeout(60, TimeUnit.SECONDS);
    }

    private HttpRequest request(String method, String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(path.contains("hold=") ? 60 : 20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request.build();
    }

    /** GET {@code path}, which must answer 200, as JSON. */
    JsonNode json(String path) {
        HttpResponse<String> response = send("GET", path, null);
        assertThat(response.statusCode()).as(name + " " + path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** Waits (at most 30 s) until GET {@code path} answers {@code status} with a body {@code until} likes. */
    JsonNode await(String path, int status, Predicate<JsonNode> until) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            HttpResponse<String> response = send("GET", path, null);
            if (response.statusCode() == status && until.test(JSON.readTree(response.body()))) {
                return JSON.readTree(response.body());
            }
            assertThat(System.nanoTime()).as(name + " " + path + " in time; last answer " + response.statusCode()
                    + " " + response.body()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /**
     * Waits (at most 30 s) until the cluster has no partition migrating and every backup in step: while the
     * partitions move after a member joined, a cluster call can wait for a lost backup acknowledgement (Hazelcast's
     * 5 s backup timeout), beyond the nodes' 5 s time limit, and the node then decides by its on-backend-failure rule.
     */
    void awaitClusterSafe() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!cluster.instance().getPartitionService().isClusterSafe()) {
            assertThat(System.nanoTime()).as("the cluster is safe (no migration in flight)").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Closes every node in {@code nodes}, going on past one that fails to close (a test may have stopped it). */
    static void closeAll(List<EmbeddedNode> nodes) {
        for (EmbeddedNode node : nodes) {
            try {
                node.close();
            } catch (Exception alreadyStopped) {
                // stopped by the test
            }
        }
    }

    @Override
    public void close() throws Exception {
        try {
            server.stop();
        } finally {
            sluice.close();
            cluster.close();
        }
    }

    private static final class Ok extends HttpServlet {
        private static final long serialVersionUID = 1L;

        /** Answers "ok", after {@code hold} milliseconds when the query asks for it (a request that takes time). */
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String hold = request.getParameter("hold");
            if (hold != null) {
                try {
                    Thread.sleep(Long.parseLong(hold));
                } catch (InterruptedException stopped) {
                    Thread.currentThread().interrupt();
                }
            }
            response.getWriter().write("ok");
        }
    }
}
