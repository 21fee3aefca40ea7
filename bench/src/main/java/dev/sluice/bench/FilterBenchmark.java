package dev.sluice.bench;

import dev.sluice.bench.servlet.BenchContainer;
import dev.sluice.bench.servlet.BenchFilterConfig;
import dev.sluice.bench.servlet.BenchRequest;
import dev.sluice.bench.servlet.BenchResponse;
import dev.sluice.bench.servlet.BenchServletContext;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Match;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Rate;
import dev.sluice.core.spi.ClusterSettings;
import dev.sluice.filter.SluiceFilter;
import dev.sluice.hazelcast.HazelcastCluster;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code SluiceFilter.doFilter} alone, outside a container, in nanoseconds per call, on real (hand-written) request,
 * response, context and chain objects: {@link dev.sluice.bench.servlet}. Every call recycles the request and response
 * and goes through {@link BenchContainer} (as a container does: also an asynchronous cycle) and a chain whose
 * "servlet" writes {@code hello}, so the figures include that
 * floor: {@link #chainOnly()} is the floor alone, {@link #noPolicyMatches()} a request the filter looks at and lets
 * through, and the two {@code rate} benchmarks a request admitted by a rate policy per client address (limit
 * {@value #LIMIT}/s, never reached) in node scope and in cluster scope on one embedded Hazelcast member in the
 * benchmark's JVM.
 *
 * <p>Run: {@code bench/run.sh jmh FilterBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dhazelcast.phone.home.enabled=false"})
public class FilterBenchmark {
    /** The rate policies' limit per second and per client: never reached, so every request is admitted. */
    static final long LIMIT = 1_000_000_000L;

    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

    /** The application behind the filter: a 200 with a 5-byte body. */
    public static final FilterChain HELLO_SERVLET = (request, response) -> {
        response.setContentType("text/plain");
        response.setContentLength(HELLO.length);
        response.getOutputStream().write(HELLO);
    };

    /** One request and response per thread, recycled on every call. */
    @State(Scope.Thread)
    public static class Exchange {
        final BenchServletContext context = new BenchServletContext();
        final BenchResponse response = new BenchResponse();
        final BenchRequest matching = new BenchRequest(context, "/api/users/42", null, null, response);
        final BenchRequest unmatched = new BenchRequest(context, "/static/logo.png", null, null, response);
    }

    /** A filter around a node-scope engine. */
    @State(Scope.Benchmark)
    public static class NodeFilter {
        Sluice sluice;
        SluiceFilter filter;

        @Setup(Level.Trial)
        public void start() throws ServletException {
            sluice = Sluice.builder().policies(new PolicySet(List.of(policy(dev.sluice.core.config.Scope.NODE))))
                    .build();
            filter = new SluiceFilter(sluice);
            filter.init(new BenchFilterConfig("sluice", new BenchServletContext(), Map.of()));
        }

        @TearDown(Level.Trial)
        public void stop() {
            filter.destroy();
            sluice.close();
        }

        public SluiceFilter filter() {
            return filter;
        }
    }

    /** A filter around a cluster-scope engine on one embedded member (its own cluster name, alone). */
    @State(Scope.Benchmark)
    public static class ClusterFilter {
        HazelcastCluster cluster;
        Sluice sluice;
        SluiceFilter filter;

        @Setup(Level.Trial)
        public void start() throws ServletException {
            cluster = HazelcastCluster.start(new ClusterSettings("embedded", null, List.of(), null, "127.0.0.1",
                    Map.of(HazelcastCluster.CLUSTER_NAME_OPTION, "sluice-jmh-" + ProcessHandle.current().pid())));
            sluice = Sluice.builder().policies(new PolicySet(List.of(policy(dev.sluice.core.config.Scope.CLUSTER))))
                    .cluster(cluster).build();
            filter = new SluiceFilter(sluice);
            filter.init(new BenchFilterConfig("sluice", new BenchServletContext(), Map.of()));
        }

        @TearDown(Level.Trial)
        public void stop() {
            filter.destroy();
            sluice.close();
            cluster.close();
        }

        public SluiceFilter filter() {
            return filter;
        }
    }

    static Policy policy(dev.sluice.core.config.Scope scope) {
        return Policy.builder("bench-rate").match(new Match(List.of("/api/**"), Set.of(), List.of())).key("ip")
                .scope(scope).rate(new Rate(LIMIT, Duration.ofSeconds(1))).build();
    }

    @Benchmark
    public int chainOnly(Exchange exchange) throws IOException, ServletException {
        exchange.matching.recycle();
        exchange.response.recycle();
        HELLO_SERVLET.doFilter(exchange.matching, exchange.response);
        return exchange.response.getStatus();
    }

    @Benchmark
    public int noPolicyMatches(Exchange exchange, NodeFilter node) throws IOException, ServletException {
        return BenchContainer.serve(node.filter, exchange.unmatched, exchange.response, HELLO_SERVLET);
    }

    @Benchmark
    public int nodeScopeRate(Exchange exchange, NodeFilter node) throws IOException, ServletException {
        return BenchContainer.serve(node.filter, exchange.matching, exchange.response, HELLO_SERVLET);
    }

    /**
     * Cluster scope: served from this node's lead of the cluster bucket most of the time; a request that needs a
     * take from the cluster is suspended and resumed by an asynchronous dispatch when it completes on a Hazelcast
     * thread, and the figure includes that hand-off and the wait for it.
     */
    @Benchmark
    public int clusterScopeRate(Exchange exchange, ClusterFilter cluster) throws IOException, ServletException {
        return BenchContainer.serve(cluster.filter, exchange.matching, exchange.response, HELLO_SERVLET);
    }
}
