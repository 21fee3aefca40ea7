package dev.sluice.bench;

import dev.sluice.core.Admission;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Match;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Rate;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Heap figures of the engine, node scope, measured through {@link Sluice#admit} in a JVM of its own (the harness
 * starts it; run it with a parallel or serial collector so that {@link System#gc()} is a full collection). Prints one
 * line per figure, {@code RESULT <name> <value>}:
 *
 * <ul>
 *   <li>{@code keys}, {@code keys-bound}, {@code keys-heap-bytes}: heap retained after {@code keys} distinct keys
 *       were each admitted once on a rate policy, against the engine's heap before (after full collections); the
 *       engine keeps at most {@code keys-bound} buckets per policy, the least recently used are forgotten.</li>
 *   <li>{@code <kind>-queued}, {@code <kind>-queued-completed-early}, {@code <kind>-queue-bytes-per-request}, for
 *       {@code kind} {@code rate} (5/s, burst 1) and {@code concurrency} (1 permit): heap per request waiting in a
 *       node-scope queue, {@code queued} requests for one key, each an uncompleted future held by its caller (the
 *       future is counted: a real caller holds it too; the request object is one shared instance). A few of the
 *       rate queue's requests are released during the measurement (at 5/s); they are reported.</li>
 * </ul>
 *
 * <p>Usage: {@code MemoryProbe <keys> <queued>}.
 */
public final class MemoryProbe {
    private MemoryProbe() {}

    public static void main(String[] args) throws Exception {
        int keys = Integer.parseInt(args[0]);
        int queued = Integer.parseInt(args[1]);
        keys(keys);
        queue(queued);
    }

    private static void keys(int keys) throws InterruptedException {
        Policy perKey = Policy.builder("per-key").match(new Match(List.of("/**"), Set.of(), List.of()))
                .key("header:X-Key").rate(new Rate(100, Duration.ofSeconds(1))).build();
        try (Sluice sluice = Sluice.builder().policies(new PolicySet(List.of(perKey))).build()) {
            sluice.admit(new FixedRequest("/warm", "X-Key", "warm")).join();
            long before = heapAfterGc();
            for (int i = 0; i < keys; i++) {
                sluice.admit(new FixedRequest("/k", "X-Key", "client-" + i)).join();
            }
            Thread.sleep(500);
            long after = heapAfterGc();
            result("keys", keys);
            result("keys-bound", dev.sluice.core.local.LocalBackend.DEFAULT_MAX_KEYS);
            result("keys-heap-bytes", after - before);
        }
    }

    private static void queue(int queued) throws InterruptedException {
        // 5/s: the last of the queued requests is due after queued / 5 s, within max-wait (1 h) for up to 18,000.
        Policy rated = Policy.builder("rated").match(new Match(List.of("/**"), Set.of(), List.of())).key("global")
                .rate(new Rate(5, Duration.ofSeconds(1), 1)).queue(new QueueLimit(queued + 1, Duration.ofHours(1)))
                .build();
        measureQueue("rate", rated, queued);
        Policy gated = Policy.builder("gated").match(new Match(List.of("/**"), Set.of(), List.of())).key("global")
                .concurrency(new Concurrency(1)).queue(new QueueLimit(queued + 1, Duration.ofHours(1))).build();
        measureQueue("concurrency", gated, queued);
    }

    private static void measureQueue(String kind, Policy policy, int queued) throws InterruptedException {
        try (Sluice sluice = Sluice.builder().policies(new PolicySet(List.of(policy))).build()) {
            FixedRequest request = new FixedRequest("/q", null, null);
            Admission first = sluice.admit(request).join();
            List<CompletableFuture<Admission>> waiting = new ArrayList<>(queued);
            long before = heapAfterGc();
            for (int i = 0; i < queued; i++) {
                waiting.add(sluice.admit(request));
            }
            long after = heapAfterGc();
            long done = waiting.stream().filter(CompletableFuture::isDone).count();
            result(kind + "-queued", queued);
            result(kind + "-queued-completed-early", done);
            result(kind + "-queue-bytes-per-request", (after - before) / queued);
            first.release();
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static void result(String name, long value) {
        System.out.println(String.format(Locale.ROOT, "RESULT %s %d", name, value));
    }
}
