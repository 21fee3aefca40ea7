package dev.sluice.bench.http;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.KeyExpression;
import dev.sluice.core.config.Match;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.QueueLimit;
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
 * {@value #LIGHT_EVERY_MILLIS} ms each by default (open loop). Reported per variant: the light tenants' latency p50/p99/max
 * (the queue wait plus the 100 ms of work), and the heavy tenant's throughput. Variants: plain FIFO, {@code fair-by}
 * with equal weights, {@code fair-by} with the light tenants at weight 4 (4:1), and with the heavy one at 4 (1:4).
 *
 * <p>Usage: {@code java -cp sluice-benchmarks.jar dev.sluice.bench.http.FairnessRuns [seconds-per-variant
 * [light-every-millis]]} (default 20 and {@value #LIGHT_EVERY_MILLIS}; the first 3 s of each variant are not
 * measured). Everything runs in this JVM on 127.0.0.1.
 */
public final class FairnessRuns {
    static final int HEAVY_IN_FLIGHT = 40;
    static final int LIGHT_TENANTS = 3;
    static final int LIGHT_EVERY_MILLIS = 1000;
    private static final long WORK_MILLIS = 100;
    private static final Duration WARM_UP = Duration.ofSeconds(3);

    private static int lightEveryMillis = LIGHT_EVERY_MILLIS;

    private FairnessRuns() {}

    record Variant(String name, QueueLimit queue) {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        lightEveryMillis = args.length > 1 ? Integer.parseInt(args[1]) : LIGHT_EVERY_MILLIS;
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
        System.out.printf("2 permits, %d ms requests, heavy tenant %d in flight, %d light tenants each 1 request per "
                + "%d ms; %d s per variant (%d s warm-up)%n", WORK_MILLIS, HEAVY_IN_FLIGHT, LIGHT_TENANTS,
                lightEveryMillis, seconds, WARM_UP.toSeconds());
        System.out.printf("%-28s %8s %8s %8s %8s %10s %10s%n", "variant", "light n", "p50 ms", "p99 ms", "max ms",
                "heavy/s", "refused");
        for (Variant variant : variants) {
            run(variant, Duration.ofSeconds(seconds));
        }
    }

    private static void run(Variant variant, Duration length) throws Exception {
        Policy policy = Policy.builder("shared").match(new Match(List.of("/work/**"), Set.of(), List.of()))
                .concurrency(new Concurrency(2)).queue(variant.queue()).build();
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
        try (Sluice sluice = Sluice.builder().policies(new PolicySet(List.of(policy))).build()) {
            Server server = new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            ServletContextHandler context = new ServletContextHandler("/");
            FilterHolder filter = new FilterHolder(new SluiceFilter(sluice));
            filter.setAsyncSupported(true);
            context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
            ServletHolder work = new ServletHolder(new Work(timers));
            work.setAsyncSupported(true);
            context.addServlet(work, "/*");
            server.setHandler(context);
            server.start();
            try {
                measure(variant, URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/work/x"), length,
                        timers);
            } finally {
                server.stop();
            }
        } finally {
            timers.shutdownNow();
        }
    }

    private static void measure(Variant variant, URI uri, Duration length, ScheduledExecutorService timers)
            throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long start = System.nanoTime();
        long measureFrom = start + WARM_UP.toNanos();
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
        double measured = (end - measureFrom) / 1e9;
        System.out.printf("%-28s %8d %8.0f %8.0f %8.0f %10.1f %10d%n", variant.name(), sorted.size(),
                percentile(sorted, 0.50), percentile(sorted, 0.99), percentile(sorted, 1.0),
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
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.discarding());
    }

    private static double percentile(List<Long> sortedNanos, double quantile) {
        if (sortedNanos.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.min(sortedNanos.size() - 1, Math.ceil(quantile * sortedNanos.size()) - 1);
        return sortedNanos.get(Math.max(0, index)) / 1e6;
    }

    /** The application: every request takes {@value #WORK_MILLIS} ms, asynchronously. */
    private static final class Work extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient ScheduledExecutorService timers;

        Work(ScheduledExecutorService timers) {
            this.timers = timers;
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) {
            AsyncContext async = request.startAsync();
            async.setTimeout(0);
            timers.schedule(() -> {
                async.getResponse().setContentLength(0);
                async.complete();
            }, WORK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }
}
