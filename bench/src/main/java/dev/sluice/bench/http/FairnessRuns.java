package dev.sluice.bench.http;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.KeyExpression;
import dev.sluice.core.config.Match;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Scope;
import dev.sluice.core.spi.ClusterSettings;
import dev.sluice.hazelcast.HazelcastCluster;
import dev.sluice.filter.SluiceFilter;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Weighted-fair queueing measured over HTTP: one shared concurrency limit of 2 permits in front of an application
 * whose requests take 100 ms (asynchronously: no thread is held), one tenant flooding it with {@value #HEAVY_IN_FLIGHT}
 * requests always in flight (closed loop), and {@value #LIGHT_TENANTS} light tenants sending one request every
 * {@value #LIGHT_EVERY_MILLIS} ms each by default (open loop). Reported per variant: the light tenants' wait
 * p50/p99/max (from sending the request to the application receiving it, both clocks this JVM's {@code nanoTime}:
 * the queue wait plus a loopback hop), their latency p99 (the wait plus the 100 ms of work and the way back), and the
 * heavy tenant's throughput. Variants: plain FIFO, {@code fair-by} with equal weights, {@code fair-by} with the light
 * tenants at weight 4 (4:1), and with the heavy one at 4 (1:4).
 *
 * <p>Usage: {@code java -cp sluice-benchmarks.jar dev.sluice.bench.http.FairnessRuns [seconds-per-variant
 * [light-every-millis [node|cluster]]]} (default 20, {@value #LIGHT_EVERY_MILLIS} and {@code node}; the first 3 s of
 * each variant are not measured). {@code cluster}: the policy has {@code scope: cluster} on one embedded Hazelcast
 * member of its own (the line lives in the semaphore entry). Everything runs in this JVM on 127.0.0.1.
 */
public final class FairnessRuns {
    static final int HEAVY_IN_FLIGHT = 40;
    static final int LIGHT_TENANTS = 3;
    static final int LIGHT_EVERY_MILLIS = 1000;
    private static final long WORK_MILLIS = 100;
    private static final Duration WARM_UP = Duration.ofSeconds(3);

    private static final String SENT_HEADER = "X-Sent-Nanos";

    private static int lightEveryMillis = LIGHT_EVERY_MILLIS;
    private static Scope scope = Scope.NODE;

    private FairnessRuns() {}

    record Variant(String name, QueueLimit queue) {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        lightEveryMillis = args.length > 1 ? Integer.parseInt(args[1]) : LIGHT_EVERY_MILLIS;
        scope = args.length > 2 ? Scope.valueOf(args[2].toUpperCase(java.util.Locale.ROOT)) : Scope.NODE;
        KeyExpression tenant = KeyExpression.parse("header:X-Tenant");
        Map<String, Integer> lightFour = Map.of("light-0", 4, "light-1", 4, "light-2", 4);
        List<Variant> variants = List.of(
                new Variant("FIFO", new QueueLimit(500, Duration.ofSeconds(30))),
                new Variant("fair-by, equal weights", new QueueLimit(500, Duration.ofSeconds(30), tenant, Map.of(), 1,
                        500)),
                new Variant("fair-by, light 4 : heavy 1", new QueueLimit(500, Duration.ofSeconds(30), tenant,
                        lightFour, 1, 500)),
                new Variant("fair-by, light 1 : heavy 4", new QueueLimit(500, Duration.ofSeconds(30), tenant,
                        Map.of("heavy", 4), 1, 500)));
        System.out.printf("2 permits (scope %s), %d ms requests, heavy tenant %d in flight, %d light tenants each 1 "
                + "request per %d ms; %d s per variant (%d s warm-up)%n", scope.name().toLowerCase(java.util.Locale.ROOT),
                WORK_MILLIS, HEAVY_IN_FLIGHT, LIGHT_TENANTS, lightEveryMillis, seconds, WARM_UP.toSeconds());
        System.out.printf("%-28s %8s %12s %12s %12s %12s %10s %10s%n", "variant", "light n", "wait p50 ms",
                "wait p99 ms", "wait max ms", "latency p99", "heavy/s", "refused");
        for (Variant variant : variants) {
            run(variant, Duration.ofSeconds(seconds));
        }
    }

    private static void run(Variant variant, Duration length) throws Exception {
        Policy policy = Policy.builder("shared").match(new Match(List.of("/work/**"), Set.of(), List.of()))
                .scope(scope).concurrency(new Concurrency(2)).queue(variant.queue()).build();
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
        HazelcastCluster cluster = scope == Scope.CLUSTER ? HazelcastCluster.start(new ClusterSettings("embedded",
                null, List.of(), null, "127.0.0.1", Map.of(HazelcastCluster.CLUSTER_NAME_OPTION,
                        "sluice-fairness-" + ProcessHandle.current().pid()))) : null;
        Sluice.Builder builder = Sluice.builder().policies(new PolicySet(List.of(policy)));
        if (cluster != null) {
            builder.cluster(cluster);
        }
        LightWaits waits = new LightWaits();
        try (Sluice sluice = builder.build()) {
            Server server = new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            ServletContextHandler context = new ServletContextHandler("/");
            FilterHolder filter = new FilterHolder(new SluiceFilter(sluice));
            filter.setAsyncSupported(true);
            context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
            ServletHolder work = new ServletHolder(new Work(timers, waits));
            work.setAsyncSupported(true);
            context.addServlet(work, "/*");
            server.setHandler(context);
            server.start();
            try {
                measure(variant, URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/work/x"), length,
                        timers, waits);
            } finally {
                server.stop();
            }
        } finally {
            timers.shutdownNow();
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private static void measure(Variant variant, URI uri, Duration length, ScheduledExecutorService timers,
            LightWaits waits) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long start = System.nanoTime();
        long measureFrom = start + WARM_UP.toNanos();
        waits.measureFrom = measureFrom;
        long end = start + length.toNanos();
        AtomicLong heavyDone = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        List<Long> light = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> heavyLoops = new ArrayList<>();
        for (int i = 0; i < HEAVY_IN_FLIGHT; i++) {
            heavyLoops.add(heavyLoop(client, uri, end, measureFrom, heavyDone, refused));
        }
        ConcurrentLinkedQueue<CompletableFuture<?>> lightCalls = new ConcurrentLinkedQueue<>();
        for (int t = 0; t < LIGHT_TENANTS; t++) {
            String name = "light-" + t;
            long offset = (long) lightEveryMillis * t / LIGHT_TENANTS;
            timers.scheduleAtFixedRate(() -> {
                long sent = System.nanoTime();
                if (sent >= end) {
                    return;
                }
                lightCalls.add(send(client, uri, name).whenComplete((response, failure) -> {
                    if (failure == null && response.statusCode() == 200 && sent >= measureFrom) {
                        light.add(System.nanoTime() - sent);
                    } else if (sent >= measureFrom) {
                        refused.incrementAndGet();
                    }
                }));
            }, offset, lightEveryMillis, TimeUnit.MILLISECONDS);
        }
        CompletableFuture.allOf(heavyLoops.toArray(CompletableFuture[]::new))
                .get(length.toSeconds() + 60, TimeUnit.SECONDS);
        for (CompletableFuture<?> call : lightCalls) {
            call.handle((r, f) -> null).get(60, TimeUnit.SECONDS);
        }
        List<Long> sorted;
        synchronized (light) {
            sorted = new ArrayList<>(light);
        }
        Collections.sort(sorted);
        List<Long> wait = waits.sorted();
        double measured = (end - measureFrom) / 1e9;
        System.out.printf("%-28s %8d %12.0f %12.0f %12.0f %12.0f %10.1f %10d%n", variant.name(), wait.size(),
                percentile(wait, 0.50), percentile(wait, 0.99), percentile(wait, 1.0), percentile(sorted, 0.99),
                heavyDone.get() / measured, refused.get());
    }

    private static CompletableFuture<Void> heavyLoop(HttpClient client, URI uri, long end, long measureFrom,
            AtomicLong done, AtomicLong refused) {
        if (System.nanoTime() >= end) {
            return CompletableFuture.completedFuture(null);
        }
        return send(client, uri, "heavy").handle((response, failure) -> {
            if (System.nanoTime() >= measureFrom) {
                if (failure == null && response.statusCode() == 200) {
                    done.incrementAndGet();
                } else {
                    refused.incrementAndGet();
                }
            }
            return null;
        }).thenCompose(ignored -> heavyLoop(client, uri, end, measureFrom, done, refused));
    }

    private static CompletableFuture<HttpResponse<Void>> send(HttpClient client, URI uri, String tenant) {
        return client.sendAsync(HttpRequest.newBuilder(uri).header("X-Tenant", tenant)
                .header(SENT_HEADER, Long.toString(System.nanoTime())).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.discarding());
    }

    private static double percentile(List<Long> sortedNanos, double quantile) {
        if (sortedNanos.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.min(sortedNanos.size() - 1, Math.ceil(quantile * sortedNanos.size()) - 1);
        return sortedNanos.get(Math.max(0, index)) / 1e6;
    }

    /** The light tenants' waits as the application sees them: from sending to arriving here, in nanoseconds. */
    private static final class LightWaits {
        volatile long measureFrom = Long.MAX_VALUE;
        private final List<Long> waits = new ArrayList<>();

        void arrived(String tenant, String sentNanos, long now) {
            if (tenant == null || !tenant.startsWith("light-") || sentNanos == null) {
                return;
            }
            long sent = Long.parseLong(sentNanos);
            if (sent >= measureFrom) {
                synchronized (waits) {
                    waits.add(now - sent);
                }
            }
        }

        List<Long> sorted() {
            List<Long> copy;
            synchronized (waits) {
                copy = new ArrayList<>(waits);
            }
            Collections.sort(copy);
            return copy;
        }
    }

    /** The application: every request takes {@value #WORK_MILLIS} ms, asynchronously. */
    private static final class Work extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient ScheduledExecutorService timers;
        private final transient LightWaits waits;

        Work(ScheduledExecutorService timers, LightWaits waits) {
            this.timers = timers;
            this.waits = waits;
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) {
            waits.arrived(request.getHeader("X-Tenant"), request.getHeader(SENT_HEADER), System.nanoTime());
            AsyncContext async = request.startAsync();
            async.setTimeout(0);
            timers.schedule(() -> {
                async.getResponse().setContentLength(0);
                async.complete();
            }, WORK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }
}
