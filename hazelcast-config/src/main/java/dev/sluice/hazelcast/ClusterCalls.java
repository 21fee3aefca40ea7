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
import java.util.function.Supplier;

/**
 * Every call Sluice makes to the cluster goes through here: entry processors, reads, notices, Bucket4j commands and
 * tasks on the members. So this is the one place where a time limit and a circuit breaker can later be put around
 * them, without touching the data structures.
 *
 * <p>All methods but {@link #localKeys} and {@link #await} are asynchronous: they return at once and never throw;
 * a failure (including an instance that is shutting down) completes the returned future exceptionally. Futures
 * complete on Hazelcast's threads; callers must not block in their continuations. Thread-safe.
 */
final class ClusterCalls {
    static final String EXECUTOR = "sluice-tasks";

    private final HazelcastInstance hazelcast;

    ClusterCalls(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    /** Runs {@code processor} on the owner of {@code key}. */
    <V, R> CompletableFuture<R> onKey(IMap<String, V> map, String key, EntryProcessor<String, V, R> processor) {
        return guarded(() -> map.submitToKey(key, processor).toCompletableFuture());
    }

    /** Runs {@code processor} on the owners of {@code keys}, each key atomically on its own. */
    <V, R> CompletableFuture<Map<String, R>> onKeys(IMap<String, V> map, Set<String> keys,
            EntryProcessor<String, V, R> processor) {
        return guarded(() -> map.submitToKeys(keys, processor).toCompletableFuture());
    }

    /** Reads one entry. */
    <V> CompletableFuture<V> get(IMap<String, V> map, String key) {
        return guarded(() -> map.getAsync(key).toCompletableFuture());
    }

    /** A Bucket4j command (which runs as an entry processor itself). */
    <T> CompletableFuture<T> bucket(Supplier<CompletableFuture<T>> command) {
        return guarded(command);
    }

    /** Publishes a message; delivery is best effort (see the safety poll in {@link SemaphoreClient}). */
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
