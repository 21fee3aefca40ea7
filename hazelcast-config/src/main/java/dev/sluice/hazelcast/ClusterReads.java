package dev.sluice.hazelcast;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs the management reads that Hazelcast only offers as blocking calls (queries over a map, a ringbuffer's
 * sequences) on two daemon threads of their own, so that no caller blocks: at most {@value #QUEUE} wait, beyond that
 * a read fails at once with {@link RejectedExecutionException} (the management API answers 503). Off the request
 * path; never through the circuit breaker. Thread-safe.
 */
final class ClusterReads implements AutoCloseable {
    private static final int QUEUE = 64;

    private final ThreadPoolExecutor executor;

    ClusterReads() {
        executor = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), runnable -> {
            Thread thread = new Thread(runnable, "sluice-hazelcast-reads");
            thread.setDaemon(true);
            return thread;
        });
        executor.allowCoreThreadTimeOut(true);
    }

    /** Runs {@code read} on a reader thread; never throws, a failure completes the future exceptionally. */
    <T> CompletableFuture<T> run(Supplier<T> read) {
        try {
            return CompletableFuture.supplyAsync(read, executor);
        } catch (RejectedExecutionException busy) {
            return CompletableFuture.failedFuture(busy);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
