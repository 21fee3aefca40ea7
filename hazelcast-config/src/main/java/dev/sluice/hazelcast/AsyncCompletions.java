package dev.sluice.hazelcast;

import com.hazelcast.internal.util.ConcurrencyUtil;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where Hazelcast runs the continuations of its futures ({@code thenApply}, {@code whenComplete}, ... registered
 * before the answer arrives), which is where every asynchronous cluster call of Sluice and of Bucket4j completes.
 *
 * <p>Hazelcast runs them on {@link ForkJoinPool#commonPool()}, except when the common pool's parallelism is 1 or
 * less — any machine or container with two CPUs or fewer — where it starts <em>a new thread for every
 * continuation</em>. That costs some 0.5–1 ms of CPU per cluster call, forty times the call itself: a cluster-scope
 * rate limit then caps a two-core server at under a thousand requests per second. In that case only, Sluice
 * replaces the thread-per-task executor with a cached pool of daemon threads: the same semantics (a continuation
 * that blocks takes a thread of its own, never stalls the others), without creating a thread per call. When the
 * common pool is in use (more than two CPUs, or {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism}
 * set above 1) nothing is changed. System property {@value #KEEP_PROPERTY}{@code =true} keeps Hazelcast's
 * executor whatever it is.
 *
 * <p>The executor is process-wide (a static of Hazelcast's), so this is done once per JVM, before the first Sluice
 * backend is created, and logged at INFO.
 */
final class AsyncCompletions {
    static final String KEEP_PROPERTY = "sluice.hazelcast.keep-async-executor";
    private static final Logger LOG = LoggerFactory.getLogger(AsyncCompletions.class);
    private static final Object LOCK = new Object();
    private static ExecutorService installed;

    private AsyncCompletions() {
    }

    /** Installs the reusable pool if Hazelcast would start a thread per continuation; idempotent, thread-safe. */
    static void ensureReusableThreads() {
        synchronized (LOCK) {
            if (installed != null || Boolean.getBoolean(KEEP_PROPERTY)
                    || ForkJoinPool.getCommonPoolParallelism() > 1) {
                return;
            }
            Executor current;
            try {
                current = ConcurrencyUtil.getDefaultAsyncExecutor();
            } catch (LinkageError absent) {
                LOG.debug("Hazelcast's async executor cannot be inspected here ({}); left as it is", absent.toString());
                return;
            }
            if (current instanceof ForkJoinPool || current instanceof ThreadPoolExecutor) {
                return;   // someone chose an executor on purpose
            }
            AtomicInteger threads = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
                    new SynchronousQueue<>(), runnable -> {
                        Thread thread = new Thread(runnable, "sluice-hz-async-" + threads.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    });
            ConcurrencyUtil.setDefaultAsyncExecutor(pool);
            installed = pool;
            LOG.info("The common fork-join pool has parallelism {}, so Hazelcast would start a thread for every "
                    + "asynchronous answer; Sluice installed a reusable pool instead (-D{}=true keeps Hazelcast's)",
                    ForkJoinPool.getCommonPoolParallelism(), KEEP_PROPERTY);
        }
    }
}
