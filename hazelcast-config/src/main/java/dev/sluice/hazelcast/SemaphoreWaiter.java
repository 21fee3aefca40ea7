package dev.sluice.hazelcast;

import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.Ticker;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request this node has sent to a semaphore entry, until it is decided. Decided exactly once ({@link #decide}):
 * granted, refused, admitted or failed. Thread-safe.
 */
final class SemaphoreWaiter {
    final long ticket;
    final String entryKey;
    final long count;
    /** When the request arrived, on the scheduler's ticker. */
    final long start;
    final long maxWaitNanos;
    final CompletableFuture<PermitOutcome> future = new CompletableFuture<>();
    private final Ticker ticker;
    private final AtomicBoolean decided = new AtomicBoolean();
    /** The deadline timer, set once the entry holds the waiter: until then the request is not in the line. */
    volatile Scheduler.Cancellable timer = Scheduler.Cancellable.NONE;

    SemaphoreWaiter(long ticket, String entryKey, long count, Ticker ticker, long maxWaitNanos) {
        this.ticket = ticket;
        this.entryKey = entryKey;
        this.count = count;
        this.ticker = ticker;
        this.start = ticker.nanos();
        this.maxWaitNanos = maxWaitNanos;
    }

    /** Whether this call decides the request: true once, for the first caller. */
    boolean decide() {
        return decided.compareAndSet(false, true);
    }

    boolean decided() {
        return decided.get();
    }

    /** Whether it waits in a line of the policy (the entry holds it) and is not decided yet. */
    boolean inLine(String policyPrefix) {
        return entryKey.startsWith(policyPrefix) && timer != Scheduler.Cancellable.NONE && !decided();
    }

    long waited() {
        return Math.max(0, ticker.nanos() - start);
    }
}
