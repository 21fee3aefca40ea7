package dev.sluice.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.topic.ITopic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Every call Sluice makes to the cluster goes through here: entry processors, reads, notices, Bucket4j commands and
 * tasks on the members.
 *
 * <p><b>Request path and background.</b> With a {@link ClusterGuard} (the backend's calls), the request-path calls
 * {@link #onKey(IMap, String, EntryProcessor)} and {@link #bucket} are limited in time and go through the guard's
 * circuit breaker: they fail with a {@code TimeoutException} at the limit and at once while the breaker is open. The
 * {@code background} calls (renewals, releases, sweeps, polls), {@link #publish} and the member tasks are not: they
 * are off the request path, and an open breaker must not stop a release or a renewal from reaching a cluster that
 * may be answering. Without a guard (the policy store, the start-up check) nothing is limited here; those callers
 * {@link #await} with their own, longer time-outs.
 *
 * <p>All methods but {@link #localKeys} and {@link #await} are asynchronous: they return at once and never throw;
 * a failure (including an instance that is shutting down) completes the returned future exceptionally. Futures
 * complete on Hazelcast's threads or the guard's timer; callers must not block in their continuations. Thread-safe.
 */
final class ClusterCalls {
    static final String EXECUTOR = "sluice-tasks";

    private static final BiConsumer<Object, Throwable> IGNORE_LATE = (value, failure) -> { };

    private final HazelcastInstance hazelcast;
    private final ClusterGuard guard;

    /** Calls without a time limit or breaker: for the policy store and the start-up check. */
    ClusterCalls(HazelcastInstance hazelcast) {
        this(hazelcast, null);
    }

    /** Calls whose request-path methods go through {@code guard} (null: none do). */
    ClusterCalls(HazelcastInstance hazelcast, ClusterGuard guard) {
        this.hazelcast = hazelcast;
        this.guard = guard;
    }

    /** Runs {@code processor} on the owner of {@code key}, on the request path (guarded); a late answer is dropped. */
    <V, R> CompletableFuture<R> onKey(IMap<String, V> map, String key, EntryProcessor<String, V, R> processor) {
        return onKey(map, key, processor, IGNORE_LATE);
    }

    /**
     * Runs {@code processor} on the owner of {@code key}, on the request path (guarded).
     *
     * @param late given the cluster's answer when it arrives after the time limit failed the returned future (the
     *             processor ran, or may have run): the caller undoes what it no longer wants. Runs on a Hazelcast
     *             thread; must not block
     */
    <V, R> CompletableFuture<R> onKey(IMap<String, V> map, String key, EntryProcessor<String, V, R> processor,
            BiConsumer<? super R, Throwable> late) {
        Supplier<CompletableFuture<R>> call = () -> map.submitToKey(key, processor).toCompletableFuture();
        return guard == null ? guarded(call) : guard.call(call, late);
    }

    /** Runs {@code processor} on the owner of {@code key}, off the request path: no time limit, no breaker. */
    <V, R> CompletableFuture<R> background(IMap<String, V> map, String key, EntryProcessor<String, V, R> processor) {
        return guarded(() -> map.submitToKey(key, processor).toCompletableFuture());
    }

    /** Runs {@code processor} on the owners of {@code keys}, each key atomically on its own; off the request path. */
    <V, R> CompletableFuture<Map<String, R>> onKeys(IMap<String, V> map, Set<String> keys,
            EntryProcessor<String, V, R> processor) {
        return guarded(() -> map.submitToKeys(keys, processor).toCompletableFuture());
    }

    /** Reads one entry; not guarded (the policy store's read, with its own time-out). */
    <V> CompletableFuture<V> get(IMap<String, V> map, String key) {
        return guarded(() -> map.getAsync(key).toCompletableFuture());
    }

    /**
     * A Bucket4j command (which runs as an entry processor itself), on the request path (guarded). A late answer
     * is dropped: tokens a late consumption took are not given back (the request was decided without them).
     */
    <T> CompletableFuture<T> bucket(Supplier<CompletableFuture<T>> command) {
        return bucket(command, IGNORE_LATE);
    }

    /**
     * A Bucket4j command on the request path (guarded), whose answer after the time limit is given to {@code late}
     * (on a Hazelcast thread; must not block), so that the caller can give back what the command took.
     */
    <T> CompletableFuture<T> bucket(Supplier<CompletableFuture<T>> command, BiConsumer<? super T, Throwable> late) {
        return guard == null ? guarded(command) : guard.call(command, late);
    }

    /**
     * A Bucket4j command off the request path (a management read or reset, giving tokens back): no time limit, not
     * counted by the breaker, sent even while it is open.
     */
    <T> CompletableFuture<T> bucketBackground(Supplier<CompletableFuture<T>> command) {
        return guarded(command);
    }

    /** Publishes a message; delivery is best effort (see {@link SafetyPoll}). */
    <T> CompletableFuture<Void> publish(ITopic<T> topic, T message) {
        return guarded(() -> topic.publishAsync(message).toCompletableFuture());
    }

    /** Runs {@code task} on every member of the cluster; one answer per member, each completing on its own. */
    <T> List<CompletableFuture<T>> onEveryMember(Callable<T> task) {
        List<CompletableFuture<T>> answers = new ArrayList<>();
        try {
            for (Member member : hazelcast.getCluster().getMembers()) {
                answers.add(onMember(task, member));
            }
        } catch (RuntimeException failure) {
            answers.add(CompletableFuture.failedFuture(failure));
        }
        return answers;
    }

    /** Runs {@code task} on {@code member}. */
    <T> CompletableFuture<T> onMember(Callable<T> task, Member member) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        try {
            hazelcast.getExecutorService(EXECUTOR).submitToMember(task, member, new ExecutionCallback<T>() {
                @Override
                public void onResponse(T response) {
                    answer.complete(response);
                }

                @Override
                public void onFailure(Throwable failure) {
                    answer.completeExceptionally(failure);
                }
            });
        } catch (RuntimeException failure) {
            answer.completeExceptionally(failure);
        }
        return answer;
    }

    /** The keys of {@code map} whose primary copy this member holds. A local call; members only. */
    Set<String> localKeys(IMap<String, ?> map) {
        return map.localKeySet();
    }

    private static <T> CompletableFuture<T> guarded(Supplier<CompletableFuture<T>> call) {
        try {
            return call.get();
        } catch (RuntimeException failure) {
            return CompletableFuture.failedFuture(failure);
        }
    }

    /**
     * Waits for {@code future} at most {@code timeout}: for start-up and management calls, never on a request
     * thread.
     *
     * @throws IllegalStateException when the cluster did not answer in time, naming {@code what}
     * @throws RuntimeException      the call's own failure, unwrapped
     */
    static <T> T await(CompletableFuture<T> future, Duration timeout, String what) {
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException late) {
            future.cancel(false);
            throw new IllegalStateException("The Hazelcast cluster did not answer within " + timeout.toMillis()
                    + " ms while " + what, late);
        } catch (ExecutionException failed) {
            Throwable cause = failed.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("The Hazelcast cluster failed while " + what + ": " + cause, cause);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while " + what, interrupted);
        }
    }
}
