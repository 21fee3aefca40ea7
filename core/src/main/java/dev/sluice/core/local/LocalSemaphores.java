package dev.sluice.core.local;

import dev.sluice.core.Reason;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.spi.Lease;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.time.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The FIFO semaphores of one policy on this node, one per key in use.
 *
 * <p>A semaphore exists only while it has permits in use or waiters; every change to one runs inside
 * {@link ConcurrentHashMap#compute} on its key, which makes creation, use and removal atomic without a lock of our
 * own. Futures are completed only after {@code compute} returns, so that a continuation never runs inside the map.
 *
 * <p>Strict order: a request is granted only when no one waits ahead of it, so one large request at the head is
 * served before the many small ones behind it. The order is first in first out, or weighted-fair across flows for a
 * queue with {@code fair-by} ({@link WaitLine}); a semaphore keeps the kind of line it was made with while it lives.
 */
final class LocalSemaphores {
    private final Scheduler scheduler;
    private final ConcurrentHashMap<String, Semaphore> semaphores = new ConcurrentHashMap<>();
    private final AtomicLong inUse = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private volatile long permits;
    private volatile int depth;
    private volatile QueueLimit queue;

    LocalSemaphores(Policy policy, Scheduler scheduler) {
        this.scheduler = scheduler;
        apply(policy);
    }

    private void apply(Policy policy) {
        this.permits = policy.concurrency() == null ? Long.MAX_VALUE : policy.concurrency().permits();
        this.depth = policy.queue() == null ? 0 : policy.queue().depth();
        this.queue = policy.queue();
    }

    /** @param flow the request's flow in a fair queue, or null */
    CompletableFuture<PermitOutcome> acquire(String key, long count, long maxWaitNanos, String flow) {
        Attempt attempt = new Attempt(key, count, maxWaitNanos, flow);
        semaphores.compute(key, attempt);
        if (attempt.waiter == null) {
            return CompletableFuture.completedFuture(attempt.outcome);
        }
        Waiter waiter = attempt.waiter;
        waiter.timer = scheduler.schedule(() -> leave(waiter, Reason.QUEUE_TIMEOUT), maxWaitNanos);
        waiter.future.whenComplete((outcome, failure) -> {
            if (waiter.future.isCancelled()) {
                leave(waiter, null);
            }
        });
        return waiter.future;
    }

    /** Takes a waiter out of its queue: refused with {@code reason}, or silently when it was cancelled (null). */
    private void leave(Waiter waiter, Reason reason) {
        waiter.timer.cancel();
        List<Waiter> granted = new ArrayList<>();
        boolean[] removed = new boolean[1];
        semaphores.computeIfPresent(waiter.key, (key, semaphore) -> {
            removed[0] = semaphore.waiters.remove(waiter);
            if (removed[0]) {
                queued.decrementAndGet();
                semaphore.grantFromHead(granted);
            }
            return semaphore.idle() ? null : semaphore;
        });
        if (removed[0] && reason != null) {
            waiter.future.complete(PermitOutcome.refused(reason, inUse.get(), 1).withWaited(waiter.waitedNanos()));
        }
        complete(granted);
    }

    private void release(String key, long count) {
        List<Waiter> granted = new ArrayList<>();
        semaphores.computeIfPresent(key, (k, semaphore) -> {
            semaphore.used -= count;
            inUse.addAndGet(-count);
            semaphore.grantFromHead(granted);
            return semaphore.idle() ? null : semaphore;
        });
        complete(granted);
    }

    /** Completes granted waiters; one cancelled meanwhile gives its permits straight back. */
    private void complete(List<Waiter> granted) {
        for (Waiter waiter : granted) {
            waiter.timer.cancel();
            Lease lease = new LocalLease(waiter.key, waiter.count);
            if (!waiter.future.complete(PermitOutcome.granted(lease, inUse.get()).withWaited(waiter.waitedNanos()))) {
                lease.release();
            }
        }
    }

    void reconfigure(Policy next) {
        apply(next);
        for (String key : semaphores.keySet()) {
            List<Waiter> granted = new ArrayList<>();
            List<Waiter> excess = new ArrayList<>();
            semaphores.computeIfPresent(key, (k, semaphore) -> {
                while (semaphore.waiters.size() > depth) {
                    excess.add(semaphore.waiters.pollLast());
                }
                queued.addAndGet(-excess.size());
                semaphore.grantFromHead(granted);
                return semaphore.idle() ? null : semaphore;
            });
            for (Waiter waiter : excess) {
                waiter.timer.cancel();
                waiter.future.complete(PermitOutcome.refused(Reason.QUEUE_FULL, inUse.get(), 1)
                        .withWaited(waiter.waitedNanos()));
            }
            complete(granted);
        }
    }

    long[] state(String key) {
        Semaphore semaphore = semaphores.get(key);
        if (semaphore == null) {
            return new long[] {0, 0};
        }
        synchronized (semaphore) {
            return new long[] {semaphore.used, semaphore.waiters.size()};
        }
    }

    boolean exists(String key) {
        return semaphores.containsKey(key);
    }

    /** Refuses the key's waiters; held leases stay valid and are released as usual. */
    boolean reset(String key) {
        List<Waiter> refused = new ArrayList<>();
        Semaphore semaphore = semaphores.computeIfPresent(key, (k, s) -> {
            refused.addAll(s.waiters.drain());
            queued.addAndGet(-refused.size());
            return s.idle() ? null : s;
        });
        for (Waiter waiter : refused) {
            waiter.timer.cancel();
            waiter.future.complete(PermitOutcome.refused(Reason.CONCURRENCY, inUse.get(), 1));
        }
        return semaphore != null || !refused.isEmpty();
    }

    /** Grants every waiter a lease that holds nothing (the policy is gone). */
    void admitAll() {
        for (Waiter waiter : drainAll()) {
            waiter.future.complete(PermitOutcome.granted(Lease.NONE, 0).withWaited(waiter.waitedNanos()));
        }
    }

    /** Refuses every waiter (the backend is closing). */
    void refuseAll() {
        for (Waiter waiter : drainAll()) {
            waiter.future.complete(PermitOutcome.refused(Reason.QUEUE_TIMEOUT, 0, 1));
        }
    }

    private List<Waiter> drainAll() {
        List<Waiter> all = new ArrayList<>();
        for (String key : semaphores.keySet()) {
            semaphores.computeIfPresent(key, (k, semaphore) -> {
                List<Waiter> drained = semaphore.waiters.drain();
                all.addAll(drained);
                queued.addAndGet(-drained.size());
                return semaphore.idle() ? null : semaphore;
            });
        }
        for (Waiter waiter : all) {
            waiter.timer.cancel();
        }
        return all;
    }

    long inUse() {
        return inUse.get();
    }

    long queued() {
        return queued.get();
    }

    Set<String> keys() { // a live view
        return semaphores.keySet();
    }

    long oldestWaiterNanos(long now) {
        long oldest = 0;
        for (Semaphore semaphore : semaphores.values()) {
            synchronized (semaphore) {
                Waiter head = semaphore.waiters.oldest();
                if (head != null) {
                    oldest = Math.max(oldest, now - head.enqueuedAt);
                }
            }
        }
        return oldest;
    }

    /**
     * One key's semaphore. Mutated only inside {@code compute} on its key; also synchronized so that the figures
     * read by {@link #state} and {@link #oldestWaiterNanos} are consistent.
     */
    private final class Semaphore {
        long used;
        final WaitLine<Waiter> waiters;
        final QueueLimit line;

        Semaphore(QueueLimit line) {
            this.line = line;
            this.waiters = new WaitLine<>(line != null && line.fair());
        }

        synchronized void grantFromHead(List<Waiter> granted) {
            long limit = permits;
            while (!waiters.isEmpty() && used + waiters.peekFirst().count <= limit) {
                Waiter head = waiters.pollFirst();
                used += head.count;
                inUse.addAndGet(head.count);
                queued.decrementAndGet();
                granted.add(head);
            }
        }

        synchronized boolean idle() {
            return used == 0 && waiters.isEmpty();
        }
    }

    /** One acquire, run inside {@code compute}: grants, enqueues, or refuses. */
    private final class Attempt implements java.util.function.BiFunction<String, Semaphore, Semaphore> {
        final String key;
        final long count;
        final long maxWaitNanos;
        PermitOutcome outcome;
        Waiter waiter;

        final String flow;

        Attempt(String key, long count, long maxWaitNanos, String flow) {
            this.flow = flow == null ? "" : flow;
            this.key = key;
            this.count = count;
            this.maxWaitNanos = maxWaitNanos;
        }

        @Override
        public Semaphore apply(String k, Semaphore existing) {
            Semaphore semaphore = existing == null ? new Semaphore(queue) : existing;
            synchronized (semaphore) {
                long limit = permits;
                if (semaphore.waiters.isEmpty() && semaphore.used + count <= limit) {
                    semaphore.used += count;
                    inUse.addAndGet(count);
                    outcome = PermitOutcome.granted(new LocalLease(key, count), semaphore.used);
                } else if (depth == 0 || maxWaitNanos <= 0) {
                    outcome = PermitOutcome.refused(Reason.CONCURRENCY, semaphore.used, 1);
                } else if (semaphore.waiters.size() >= depth
                        || !semaphore.waiters.flowHasRoom(flow, semaphore.line)) {
                    outcome = PermitOutcome.refused(Reason.QUEUE_FULL, semaphore.used, 1);
                } else {
                    waiter = new Waiter(key, count, flow, scheduler.ticker().nanos());
                    semaphore.waiters.add(waiter, queue);
                    queued.incrementAndGet();
                }
            }
            return semaphore.idle() ? null : semaphore;
        }
    }

    private final class Waiter extends WaitLine.Place {
        final String key;
        final long enqueuedAt;
        final CompletableFuture<PermitOutcome> future = new CompletableFuture<>();
        volatile Scheduler.Cancellable timer = Scheduler.Cancellable.NONE;

        Waiter(String key, long count, String flow, long enqueuedAt) {
            super(count, flow);
            this.key = key;
            this.enqueuedAt = enqueuedAt;
        }

        long waitedNanos() {
            return Math.max(0, scheduler.ticker().nanos() - enqueuedAt);
        }
    }

    /** Permits of one key, released exactly once. */
    private final class LocalLease extends AtomicBoolean implements Lease {
        private final String key;
        private final long count;

        LocalLease(String key, long count) {
            this.key = key;
            this.count = count;
        }

        @Override
        public void release() {
            if (compareAndSet(false, true)) {
                LocalSemaphores.this.release(key, count);
            }
        }
    }
}
