package dev.sluice.core.spi;

import dev.sluice.core.config.Policy;
import java.util.concurrent.CompletableFuture;

/**
 * The state of one policy in a backend: a bucket and a semaphore per key, each with its FIFO queue.
 *
 * <p>No method blocks. The futures complete at once in the common case and later when the request waits in a
 * queue; they may complete on a backend or timer thread, so callers must not block in their continuations.
 * <b>Cancelling</b> a returned future that has not completed leaves the queue and gives back what would have been
 * taken; when the grant races with the cancellation, the backend gives it back itself. Thread-safe.
 */
public interface PolicyLimiter {
    /** The definition in force. */
    Policy policy();

    /**
     * Takes {@code cost} tokens from the key's bucket (every band: rate and quota). When the tokens are not there
     * and the policy has a queue, reserves them and completes when they are due, provided the wait is at most
     * {@code maxWaitNanos} and fewer than {@code queue.depth} wait for this key; otherwise refuses at once.
     *
     * @param maxWaitNanos the wait this request may still spend (the policy's max-wait less what it already waited
     *                     for earlier limits); 0 means refuse rather than wait
     */
    CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos);

    /**
     * As {@link #consume(String, long, long)}, for a policy whose queue is fair ({@code queue.fair-by}): a request
     * that waits joins the flow {@code flow}, and the reservations follow the fair order across flows. Backends
     * without fair rate queues wait first in first out.
     */
    default CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos, String flow) {
        return consume(key, cost, maxWaitNanos);
    }

    /**
     * Takes {@code permits} permits of the key's semaphore as a {@link Lease}. Waiters are served strictly first in
     * first out: a request is granted only when no one waits ahead of it, so a large request is not starved by small
     * ones. When refused and the policy has a queue with room, waits up to {@code maxWaitNanos}.
     */
    CompletableFuture<PermitOutcome> acquire(String key, long permits, long maxWaitNanos);

    /**
     * As {@link #acquire(String, long, long)}, for a policy whose queue is fair ({@code queue.fair-by}): a request
     * that waits joins the flow {@code flow}. Backends without fair queues wait first in first out.
     */
    default CompletableFuture<PermitOutcome> acquire(String key, long permits, long maxWaitNanos, String flow) {
        return acquire(key, permits, maxWaitNanos);
    }

    /**
     * Applies a new definition of the same policy in place: buckets keep their tokens where the new configuration
     * allows, semaphores change their count by the difference (raised counts admit waiters at once, lowered ones
     * admit no one new until usage drops), queues beyond a lowered depth refuse their excess with
     * {@code queue-full}. Never blocks; held leases stay valid.
     */
    void reconfigure(Policy next);

    /** One key's state, for the management API. */
    CompletableFuture<KeyState> state(String key);

    /** Forgets one key's bucket (it starts full again); waiters of the key are refused. Completes with whether the key had state. */
    CompletableFuture<Boolean> reset(String key);

    /**
     * The keys that have state, in ascending {@link String#compareTo} order, starting after {@code after} (null: from
     * the first), at most {@code limit}: one page of {@code GET /policies/{name}/keys}. A node-scope backend lists this
     * node's keys, a cluster backend the cluster's. Keys appearing or expiring between pages may be missed or seen
     * once more; a key never appears twice in one page.
     */
    default CompletableFuture<java.util.List<String>> keys(String after, int limit) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("this backend cannot list keys"));
    }

    /** Figures across all keys of the policy that this node can see cheaply. */
    LimiterStats stats();

    /**
     * The policy is gone: waiters are admitted (with leases that release nothing), state is dropped. Idempotent.
     */
    void unbind();
}
