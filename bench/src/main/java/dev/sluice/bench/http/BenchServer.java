package dev.sluice.bench.http;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.sluice.filter.SluiceFilter;
import dev.sluice.filter.SluiceManagementServlet;
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
import org.eclipse.jetty.ee10.servlet.ServletHolder;
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
 * <p>Usage: {@code BenchServer <variant>}, or {@code BenchServer accuracy <node|cluster>} for the accuracy runs (a
 * rate policy {@value #ACCURACY_POLICY} at 500/s, burst 50, per client address, and the management API under
 * {@code /sluice/*} with bearer token {@value #TOKEN}; a filter before Sluice notes when requests arrive, listed by
 * {@code GET /arrivals}: see {@link ArrivalRecorder}). Sluice's embedded member reads its port and peers from
 * {@code SLUICE_HZ_PORT} and {@code SLUICE_MEMBERS}; with {@code BENCH_CLUSTER_SIZE=n} the server waits (at most
 * 60 s) until its member sees {@code n} members before it reports its port.
 */
public final class BenchServer {
    /** Limits high enough never to refuse under the load: the figures are the cost of admitting. */
    static final long NEVER_REACHED = 100_000_000L;
    /** The accuracy runs' policy name. */
    static final String ACCURACY_POLICY = "bench-accuracy";
    /** The management API's bearer token in the accuracy runs. */
    static final String TOKEN = "bench-token";

    private BenchServer() {}

    public static void main(String[] args) throws Exception {
        boolean accuracy = args[0].equals("accuracy");
        Variant variant = accuracy ? null : Variant.valueOf(args[0]);
        List<String> members = accuracy ? List.of() : new ArrayList<>(Arrays.asList(args).subList(1, args.length));
        List<AutoCloseable> resources = new ArrayList<>();
        Filter filter = accuracy ? new SluiceFilter() : filterFor(variant, members, resources);
        Map<String, String> parameters = accuracy ? accuracyParameters(args[1]) : initParameters(variant);

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(HelloServlet.class, "/hello");
        if (accuracy) {
            ArrivalRecorder arrivals = new ArrivalRecorder();
            context.addFilter(new FilterHolder(arrivals.filter()), "/hello", EnumSet.of(DispatcherType.REQUEST));
            context.addServlet(new ServletHolder(arrivals.servlet()), "/arrivals");
        }
        if (filter != null) {
            FilterHolder holder = new FilterHolder(filter);
            holder.setAsyncSupported(true);
            parameters.forEach(holder::setInitParameter);
            context.addFilter(holder, "/hello", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        }
        if (accuracy) {
            ServletHolder management = new ServletHolder(new SluiceManagementServlet());
            management.setInitParameter("token", TOKEN);
            management.setAsyncSupported(true);
            context.addServlet(management, "/sluice/*");
        }
        server.setHandler(context);
        server.start();
        String size = System.getenv("BENCH_CLUSTER_SIZE");
        if (size != null) {
            awaitClusterSize(Integer.parseInt(size));
        }
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
            case SLUICE_NODE_RATE, SLUICE_NODE_RATE_NO_HEADERS, SLUICE_CONCURRENCY, SLUICE_CLUSTER_RATE,
                    SLUICE_CLUSTER_RATE_3 ->
                    new SluiceFilter();
            case JETTY_DOS -> new DoSFilter();
            case JETTY_QOS -> new QoSFilter();
            case BUCKET4J_LOCAL -> new Bucket4jLocalFilter(NEVER_REACHED);
            case BUCKET4J_HAZELCAST -> {
                HazelcastInstance member = member(members);
                resources.add(member::shutdown);
                yield new Bucket4jHazelcastFilter(member.getMap("bench-buckets"), NEVER_REACHED);
            }
            default -> throw new IllegalArgumentException(variant + " is a gateway variant: BenchGateway serves it");
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
            case SLUICE_NODE_RATE_NO_HEADERS -> Map.of("config", policyFile("""
                    policies:
                      - name: bench-rate
                        key: ip
                        rate: { limit: %d, period: 1s }
                        headers: none
                    """.formatted(NEVER_REACHED)));
            case SLUICE_CLUSTER_RATE, SLUICE_CLUSTER_RATE_3 ->
                    Map.of("hazelcast", "embedded", "config", policyFile("""
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

    private static Map<String, String> accuracyParameters(String scope) {
        if (!scope.equals("node") && !scope.equals("cluster")) {
            throw new IllegalArgumentException("accuracy scope must be node or cluster, got " + scope);
        }
        return Map.of("config", policyFile("""
                policies:
                  - name: %s
                    key: ip
                    scope: %s
                    rate: { limit: 500, period: 1s, burst: 50 }
                """.formatted(ACCURACY_POLICY, scope)));
    }

    /** Waits until this JVM's Hazelcast member sees {@code size} members. */
    private static void awaitClusterSize(int size) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        int seen = 0;
        while (System.nanoTime() < deadline) {
            seen = Hazelcast.getAllHazelcastInstances().stream()
                    .mapToInt(instance -> instance.getCluster().getMembers().size()).max().orElse(0);
            if (seen == size) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the embedded member sees " + seen + " members after 60 s, expected " + size);
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
