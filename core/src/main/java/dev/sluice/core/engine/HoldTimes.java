package dev.sluice.core.engine;

import dev.sluice.core.Reason;
import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.Lease;
import dev.sluice.core.time.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How long a policy's concurrency permits are held, as this node observes them (an exponentially weighted mean
 * of lease hold times, weight {@value #WEIGHT_PERCENT}% for the newest), and the Retry-After that follows for a
 * refused request.
 *
 * <p><b>Estimate.</b> A refused request would wait for the {@code ahead} requests in line and itself to get a
 * permit; {@code permits} are freed every mean hold time, so the wait is {@code ceil((ahead + 1) / permits)} mean
 * hold times. {@code ahead} is the queue's depth for {@code queue-full} (the line is full), the requests this node
 * sees waiting (at most the depth) for {@code queue-timeout}, and none for a plain {@code concurrency} refusal.
 * Before any lease was released the mean is one second. The result is at least {@value #MIN_SECONDS} s and at most
 * {@value #MAX_SECONDS} s. Thread-safe, lock-free.
 */
final class HoldTimes {
    static final int WEIGHT_PERCENT = 20;
    static final long MIN_SECONDS = 1;
    static final long MAX_SECONDS = 600;
    private static final long UNKNOWN = -1;

    private final AtomicLong meanNanos = new AtomicLong(UNKNOWN);

    /** Wraps {@code lease} so that its release records how long it was held (once; idempotent like the lease). */
    Lease timed(Lease lease, Ticker ticker) {
        if (lease == Lease.NONE) {
            return lease;
        }
        long start = ticker.nanos();
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                record(ticker.nanos() - start);
            }
            lease.release();
        };
    }

    void record(long heldNanos) {
        long held = Math.max(0, heldNanos);
        meanNanos.getAndUpdate(mean -> mean == UNKNOWN ? held : mean + (held - mean) * WEIGHT_PERCENT / 100);
    }

    /** The mean hold time observed so far, or -1 before the first release. */
    long meanNanos() {
        return meanNanos.get();
    }

    /**
     * The Retry-After, in nanoseconds, for a request of {@code policy} refused with {@code reason}, with
     * {@code waitingHere} requests waiting on this node.
     */
    long retryNanos(Policy policy, Reason reason, long waitingHere) {
        long permits = policy.concurrency() == null ? 1 : Math.max(1, policy.concurrency().permits());
        long depth = policy.queue() == null ? 0 : policy.queue().depth();
        long ahead = switch (reason) {
            case QUEUE_FULL -> depth;
            case QUEUE_TIMEOUT -> Math.min(depth, Math.max(0, waitingHere));
            default -> 0;
        };
        long mean = meanNanos.get();
        if (mean == UNKNOWN) {
            mean = TimeUnit.SECONDS.toNanos(1);
        }
        double rounds = Math.ceil((ahead + 1) / (double) permits);
        double nanos = rounds * mean;
        long min = TimeUnit.SECONDS.toNanos(MIN_SECONDS);
        long max = TimeUnit.SECONDS.toNanos(MAX_SECONDS);
        return nanos >= max ? max : Math.max(min, (long) nanos);
    }
}
