package dev.sluice.bench.http;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.sluice.filter.SluiceFilter;
import io.github.bucket4j.grid.hazelcast.HazelcastProxyManager;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlets.DoSFilter;
import org.eclipse.jetty.ee10.servlets.QoSFilter;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * One variant of the load test's server: an embedded Jetty 12 hello servlet on 127.0.0.1 behind one filter. Run by
 * {@link LoadHarness} in its own JVM, so that its CPU time is its own: prints {@code PORT <n>} once listening and
 * stops when its standard input closes.
 *
 * <p>Usage: {@code BenchServer <variant> [hazelcast-member-port peer-port...]}
 */
public final class BenchServer {
    /** Limits high enough never to refuse under the load: the figures are the cost of admitting. */
    static final long NEVER_REACHED = 100_000_000L;

    private BenchServer() {}

    public static void main(String[] args) throws Exception {
        Variant variant = Variant.valueOf(args[0]);
        List<String> members = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
        List<AutoCloseable> resources = new ArrayList<>();
        Filter filter = filterFor(variant, members, resources);

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(HelloServlet.class, "/hello");
        if (filter != null) {
            FilterHolder holder = new FilterHolder(filter);
            holder.setAsyncSupported(true);
            initParameters(variant).forEach(holder::setInitParameter);
            context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        }
        server.setHandler(context);
        server.start();
        System.out.println("PORT " + connector.getLocalPort());
        System.out.flush();

        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (stdin.readLine() != null) {
            // runs until the harness closes our input
        }
        server.stop();
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    private static Filter filterFor(Variant variant, List<String> members, List<AutoCloseable> resources) {
        return switch (variant) {
            case NONE -> null;
            case SLUICE_NODE_RATE, SLUICE_CONCURRENCY, SLUICE_CLUSTER_RATE -> new SluiceFilter();
            case JETTY_DOS -> new DoSFilter();
            case JETTY_QOS -> new QoSFilter();
            case BUCKET4J_LOCAL -> new Bucket4jLocalFilter(NEVER_REACHED);
            case BUCKET4J_HAZELCAST -> {
                HazelcastInstance member = member(members);
                resources.add(member::shutdown);
                yield new Bucket4jHazelcastFilter(member.getMap("bench-buckets"), NEVER_REACHED);
            }
        };
    }

    private static Map<String, String> initParameters(Variant variant) {
        return switch (variant) {
            case JETTY_DOS -> Map.of("maxRequestsPerSec", "1000000", "delayMs", "-1",
                    "insertHeaders", "false");
            case JETTY_QOS -> Map.of("maxRequests", "10000");
            case SLUICE_NODE_RATE -> Map.of("config", policyFile("""
                    policies:
                      - name: bench-rate
                        key: ip
                        rate: { limit: %d, period: 1s }
                    """.formatted(NEVER_REACHED)));
            case SLUICE_CLUSTER_RATE -> Map.of("hazelcast", "embedded", "config", policyFile("""
                    policies:
                      - name: bench-cluster-rate
                        key: ip
                        scope: cluster
                        rate: { limit: %d, period: 1s }
                    """.formatted(NEVER_REACHED)));
            case SLUICE_CONCURRENCY -> Map.of("config", policyFile("""
                    policies:
                      - name: bench-concurrency
                        concurrency: { permits: 10000 }
                    """));
            default -> Map.of();
        };
    }

    /** Writes a policy file for a Sluice variant and returns its path. */
    private static String policyFile(String yaml) {
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempFile("sluice-bench", ".yaml");
            file.toFile().deleteOnExit();
            java.nio.file.Files.writeString(file, yaml);
            return file.toString();
        } catch (java.io.IOException failure) {
            throw new java.io.UncheckedIOException(failure);
        }
    }

    /**
     * An embedded member bound to loopback: {@code members.get(0)} is its port, the rest are peers' ports (empty:
     * standalone on a port Hazelcast picks).
     */
    static HazelcastInstance member(List<String> members) {
        Config config = new Config();
        config.setClusterName("sluice-bench");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "none");
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        if (!members.isEmpty()) {
            config.getNetworkConfig().setPort(Integer.parseInt(members.get(0))).setPortAutoIncrement(false);
        }
        JoinConfig join = config.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (String peer : members.subList(Math.min(1, members.size()), members.size())) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + peer);
        }
        HazelcastProxyManager.addCustomSerializers(config.getSerializationConfig(), 10_000);
        return Hazelcast.newHazelcastInstance(config);
    }
}
