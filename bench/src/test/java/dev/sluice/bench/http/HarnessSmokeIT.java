package dev.sluice.bench.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bench.FilterBenchmark;
import dev.sluice.bench.servlet.BenchContainer;
import dev.sluice.bench.servlet.BenchRequest;
import dev.sluice.bench.servlet.BenchResponse;
import dev.sluice.bench.servlet.BenchServletContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness's parts, each run briefly against real servers (separate JVMs on 127.0.0.1, free ports), so that CI
 * sees they work. Nothing here asserts a speed: figures belong to {@code bench/run.sh}.
 */
class HarnessSmokeIT {
    @TempDir
    Path work;

    @Test
    void openLoopClientGetsAnAnswerForEveryRequestItSends() throws Exception {
        try (Deployment server = Deployment.variant(Variant.NONE, work)) {
            LoadClient.Result result = new LoadClient(server.port(), "/hello", 4).run(500, 1.0);

            assertThat(result.ok()).isPositive();
            assertThat(result.completed()).isEqualTo(result.ok());
            assertThat(result.errors()).isZero();
            assertThat(result.latencyMicros().getTotalCount()).isEqualTo(result.completed());
        }
    }

    @Test
    void loadClientReadsChunkedFixedLengthAndRefusedResponsesOnOneConnection() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            listener.setSoTimeout(10_000);
            Thread server = new Thread(() -> answerInTurn(listener), "scripted-server");
            server.setDaemon(true);
            server.start();

            LoadClient.Result result = new LoadClient(listener.getLocalPort(), "/any", 1).run(0, 0.3);
            server.join(TimeUnit.SECONDS.toMillis(10));

            assertThat(result.ok()).isPositive();
            assertThat(result.refused()).isPositive();
            assertThat(result.errors()).isZero();
        }
    }

    /** Answers one connection's requests in turn: chunked 200 with a trailer, fixed-length 200, 429 with a body. */
    private static void answerInTurn(ServerSocket listener) {
        String[] answers = {
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nhel\r\n2\r\nlo\r\n0\r\nTrailer: t\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            "HTTP/1.1 429 Too Many Requests\r\ncontent-length: 2\r\nRetry-After: 1\r\n\r\n{}",
        };
        try (Socket socket = listener.accept()) {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            int matched = 0;
            int turn = 0;
            int next;
            while ((next = in.read()) >= 0) {
                matched = next == "\r\n\r\n".charAt(matched) ? matched + 1 : (next == '\r' ? 1 : 0);
                if (matched == 4) {
                    out.write(answers[turn++ % answers.length].getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    matched = 0;
                }
            }
        } catch (SocketTimeoutException | java.net.SocketException ended) {
            // the client closed its connection, or never came: the test's assertions tell which
        } catch (IOException failure) {
            throw new java.io.UncheckedIOException(failure);
        }
    }

    @Test
    void accuracyRunWithALivePatchAdmitsSomeAndRefusesTheRest() throws Exception {
        AccuracyRuns.Row row = new AccuracyRuns(work, 1.0, 2000).run("node scope, PATCH", "node", 1, true);

        assertThat(row.admitted()).isPositive().isLessThan(row.offered());
        assertThat(row.expected()).isGreaterThan(AccuracyRuns.BURST);
    }

    @Test
    void threeMemberVariantServesThroughItsCluster() throws Exception {
        try (Deployment cluster = Deployment.variant(Variant.SLUICE_CLUSTER_RATE_3, work)) {
            LoadClient.Result result = new LoadClient(cluster.port(), "/hello", 2).run(100, 0.5);

            assertThat(result.ok()).isPositive();
            assertThat(result.errors()).isZero();
        }
    }

    /**
     * bench/run.sh starts every server from the shaded jar, not from the test class path: there Sluice's start-up
     * version check reads the libraries inside one uber jar (it once refused Bucket4j "0.1.0-SNAPSHOT").
     */
    @Test
    void theShadedJarStartsServersOfBothScopes() throws Exception {
        Path jar = Path.of("target", "sluice-benchmarks.jar").toAbsolutePath();
        assertThat(jar).as("the shaded jar, built in package before the integration tests").exists();
        for (Variant variant : List.of(Variant.SLUICE_NODE_RATE, Variant.SLUICE_CLUSTER_RATE)) {
            try (ServerProcess server = ServerProcess.startOn(jar.toString(), BenchServer.class.getName(),
                    variant.jvmOptions(), List.of(variant.name()), work.resolve("shaded-" + variant + ".log"))) {
                LoadClient.Result result = new LoadClient(server.port(), "/hello", 2).run(100, 0.5);
                assertThat(result.ok()).as(variant.name()).isPositive();
                assertThat(result.errors()).as(variant.name()).isZero();
            }
        }
    }

    @Test
    void memoryProbeReportsEveryFigure() throws Exception {
        Map<String, Long> figures = MemoryRuns.run(work, 1_000, 100);

        assertThat(figures).containsKeys("keys-heap-bytes", "keys-bound", "rate-queue-bytes-per-request",
                "concurrency-queue-bytes-per-request");
        assertThat(figures.get("concurrency-queued-completed-early")).isZero();
    }

    @Test
    void benchmarkFixturesCarryARequestThroughSluiceFilterInNodeAndClusterScope() throws Exception {
        BenchServletContext context = new BenchServletContext();
        BenchResponse response = new BenchResponse();
        BenchRequest matching = new BenchRequest(context, "/api/users/42", null, null, response);
        BenchRequest unmatched = new BenchRequest(context, "/static/logo.png", null, null, response);
        FilterBenchmark.NodeFilter node = new FilterBenchmark.NodeFilter();
        FilterBenchmark.ClusterFilter cluster = new FilterBenchmark.ClusterFilter();
        node.start();
        try {
            assertThat(BenchContainer.serve(node.filter(), matching, response, FilterBenchmark.HELLO_SERVLET))
                    .isEqualTo(200);
            assertThat(response.written()).isEqualTo(5);
            assertThat(response.getHeaderNames()).isNotEmpty();
            assertThat(BenchContainer.serve(node.filter(), unmatched, response, FilterBenchmark.HELLO_SERVLET))
                    .isEqualTo(200);
            assertThat(response.written()).isEqualTo(5);
            cluster.start();
            try {
                assertThat(BenchContainer.serve(cluster.filter(), matching, response, FilterBenchmark.HELLO_SERVLET))
                        .isEqualTo(200);
                assertThat(response.written()).isEqualTo(5);
            } finally {
                cluster.stop();
            }
        } finally {
            node.stop();
        }
    }
}
