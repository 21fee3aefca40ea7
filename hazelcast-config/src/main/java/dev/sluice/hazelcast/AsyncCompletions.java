package dev.sluice.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import java.lang.reflect.Method;
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
 *
 * <p>Hazelcast offers no public way to set that executor, so this class reaches it by reflection, through
 * {@value #HOLDER}'s static {@code getDefaultAsyncExecutor} / {@code setDefaultAsyncExecutor} (present from 5.0 to
 * 5.7 at least). It is the only place where Sluice touches Hazelcast's internals: when a Hazelcast version lacks
 * them, Hazelcast's executor is left as it is (correct, only slower on small machines) and that is logged at INFO.
 */
final class AsyncCompletions {
    static final String KEEP_PROPERTY = "sluice.hazelcast.keep-async-executor";
    /** Where Hazelcast keeps its continuation executor: internal, so reached by reflection only. */
    static final String HOLDER = "com.hazelcast.internal.util.ConcurrencyUtil";
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
            installed = installInto(HazelcastExecutor.find(HOLDER));
        }
    }

    /**
     * Replaces Hazelcast's thread-per-task executor, reached through {@code executor}, with a reusable pool.
     *
     * @return the pool installed, or null when nothing was changed: {@code executor} is null (out of reach in this
     *     Hazelcast version), or Hazelcast's executor is a pool already (chosen on purpose)
     */
    static ExecutorService installInto(HazelcastExecutor executor) {
        if (executor == null) {
            return null;
        }
        Executor current = executor.get();
        if (current == null || current instanceof ForkJoinPool || current instanceof ThreadPoolExecutor) {
            return null;   // someone chose an executor on purpose, or Hazelcast's cannot be read
        }
        AtomicInteger threads = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "sluice-hz-async-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        if (!executor.set(pool)) {
            pool.shutdown();
            return null;
        }
        LOG.info("The common fork-join pool has parallelism {}, so Hazelcast would start a thread for every "
                + "asynchronous answer; Sluice installed a reusable pool instead (-D{}=true keeps Hazelcast's)",
                ForkJoinPool.getCommonPoolParallelism(), KEEP_PROPERTY);
        return pool;
    }

    /** Hazelcast's process-wide continuation executor, through the static getter and setter of a holder class. */
    static final class HazelcastExecutor {
        private final Method getter;
        private final Method setter;

        private HazelcastExecutor(Method getter, Method setter) {
            this.getter = getter;
            this.setter = setter;
        }

        /** The executor's accessors on {@code holder}, or null (logged) when this Hazelcast has no such thing. */
        static HazelcastExecutor find(String holder) {
            try {
                Class<?> type = Class.forName(holder, true, HazelcastInstance.class.getClassLoader());
                Method getter = type.getMethod("getDefaultAsyncExecutor");
                Method setter = type.getMethod("setDefaultAsyncExecutor", Executor.class);
                if (!Executor.class.isAssignableFrom(getter.getReturnType())) {
                    throw new NoSuchMethodException(holder + ".getDefaultAsyncExecutor() returns "
                            + getter.getReturnType().getName());
                }
                return new HazelcastExecutor(getter, setter);
            } catch (ReflectiveOperationException | LinkageError | RuntimeException absent) {
                LOG.info("Hazelcast's executor for asynchronous answers is out of reach in this Hazelcast version "
                        + "({}); it is left as it is", absent.toString());
                return null;
            }
        }

        /** The executor in use, or null (logged) when it cannot be read. */
        Executor get() {
            try {
                return (Executor) getter.invoke(null);
            } catch (ReflectiveOperationException | RuntimeException unreadable) {
                LOG.info("Hazelcast's executor for asynchronous answers cannot be read ({}); it is left as it is",
                        unreadable.toString());
                return null;
            }
        }

        /** Sets the executor; false (logged) when that failed. */
        boolean set(Executor executor) {
            try {
                setter.invoke(null, executor);
                return true;
            } catch (ReflectiveOperationException | RuntimeException refused) {
                LOG.info("Hazelcast's executor for asynchronous answers cannot be set ({}); it is left as it is",
                        refused.toString());
                return false;
            }
        }
    }
}
