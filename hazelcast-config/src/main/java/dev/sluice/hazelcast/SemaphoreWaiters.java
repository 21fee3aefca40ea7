package dev.sluice.hazelcast;

import com.hazelcast.map.IMap;
import dev.sluice.core.Reason;
import dev.sluice.core.spi.Lease;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's semaphore requests, by ticket, from their {@code Acquire} until they are decided: granted at once,
 * queued in the entry's line until a notice, the safety poll or their deadline decides them, or refused. Each ticket
 * is decided once ({@link SemaphoreWaiter#decide}); a grant that finds its request gone (cancelled, timed out) gives
 * the lease straight back.
 *
 * <p>Tickets are unique per node: a counter started at a random value, so tickets of different nodes do not collide
 * in practice (two nodes would need to draw starting points closer than the tickets they issue, out of 2^64).
 *
 * <p>Thread-safe; never blocks.
 */
final class SemaphoreWaiters {
    private static final Logger LOG = LoggerFactory.getLogger(SemaphoreWaiters.class);

    private final ClusterCalls calls;
    private final IMap<String, SemaphoreState> map;
    private final Scheduler scheduler;
    private final Ticker clock;
    private final DepartedMembers departures;
    private final NoticeTopics notices;
    private final HeldLeases leases;
    private final AtomicLong tickets = new AtomicLong(ThreadLocalRandom.current().nextLong());
    private final Map<Long, SemaphoreWaiter> waiting = new ConcurrentHashMap<>();

    SemaphoreWaiters(ClusterCalls calls, IMap<String, SemaphoreState> map, Scheduler scheduler, Ticker clock,
            DepartedMembers departures, NoticeTopics notices, HeldLeases leases) {
        this.calls = calls;
        this.map = map;
        this.scheduler = scheduler;
        this.clock = clock;
        this.departures = departures;
        this.notices = notices;
        this.leases = leases;
    }

    /** A request's permits: granted at once, queued in {@code flow} (completing later), or refused. */
    CompletableFuture<PermitOutcome> acquire(String entryKey, long count, Definition definition, long maxWaitNanos,
            Flow flow) {
        leases.renewEvery(definition.leaseNanos());
        long ticket = tickets.incrementAndGet();
        long now = clock.nanos();
        long deadline = maxWaitNanos > 0 ? now + maxWaitNanos : now;
        SemaphoreWaiter waiter = new SemaphoreWaiter(ticket, entryKey, count, scheduler.ticker(), maxWaitNanos);
        waiting.put(ticket, waiter);
        calls.onKey(map, entryKey, new SemaphoreOps.Acquire(ticket, notices.self(), count, definition, deadline,
                flow, departures.caller(now)), (late, lateFailure) -> lateAcquire(ticket, entryKey, late))
                .whenComplete((outcome, failure) -> {
                    if (failure != null) {
                        if (waiter.decide()) {
                            waiting.remove(ticket);
                            waiter.future.completeExceptionally(failure);
                        }
                        return;
                    }
                    notices.dispatch(outcome.notices());
                    switch (outcome.code()) {
                        case GRANTED -> grant(waiter, outcome.used());
                        case QUEUED -> queued(waiter);
                        case REFUSED_QUEUE_FULL -> refuse(waiter, Reason.QUEUE_FULL, outcome.used());
                        default -> refuse(waiter, Reason.CONCURRENCY, outcome.used());
                    }
                });
        return waiter.future;
    }

    /**
     * The answer to an acquire whose request was already decided without it (the time limit passed): a grant is
     * given back and a place in the line is left, so nothing is counted twice once the cluster answers again. An
     * acquire whose answer never comes holds nothing for long: an unrenewed lease expires, a waiter leaves at its
     * deadline, and a grant notice for it is given back ({@link #handle(Notice)}).
     */
    private void lateAcquire(long ticket, String entryKey, SemaphoreOps.Outcome outcome) {
        if (outcome == null) {
            return;
        }
        notices.dispatch(outcome.notices());
        if (outcome.code() == SemaphoreOps.Code.GRANTED) {
            LOG.debug("Lease {} was granted after its request had been decided without the cluster; given back",
                    ticket);
            leases.release(ticket, entryKey);
        } else if (outcome.code() == SemaphoreOps.Code.QUEUED) {
            calls.background(map, entryKey, new SemaphoreOps.Leave(ticket, departures.caller()))
                    .whenComplete((left, failure) -> lateLeave(ticket, entryKey, left));
        }
    }

    /** A leave's answer that came after its request was decided: a lease granted before the leave is given back. */
    private void lateLeave(long ticket, String entryKey, SemaphoreOps.Outcome outcome) {
        if (outcome == null) {
            return;
        }
        notices.dispatch(outcome.notices());
        if (outcome.code() == SemaphoreOps.Code.HELD) {
            leases.release(ticket, entryKey);
        }
    }

    /**
     * The entry holds the waiter now. Only from here may a cancellation or a timeout send {@code Leave}: sent
     * earlier, it could reach the entry before the {@code Acquire} it undoes.
     */
    private void queued(SemaphoreWaiter waiter) {
        long remaining = waiter.maxWaitNanos - (scheduler.ticker().nanos() - waiter.start);
        waiter.timer = scheduler.schedule(() -> leave(waiter, Reason.QUEUE_TIMEOUT), Math.max(0, remaining));
        if (waiter.decided()) {
            waiter.timer.cancel();
            return;
        }
        waiter.future.whenComplete((outcome, failure) -> {
            if (waiter.future.isCancelled()) {
                leave(waiter, null);
            }
        });
    }

    /** Takes a waiter out of the line: it waited too long ({@code reason}) or was cancelled (null). */
    private void leave(SemaphoreWaiter waiter, Reason reason) {
        waiter.timer.cancel();
        if (waiter.decided()) {
            return;
        }
        calls.onKey(map, waiter.entryKey, new SemaphoreOps.Leave(waiter.ticket, departures.caller()),
                (late, lateFailure) -> lateLeave(waiter.ticket, waiter.entryKey, late))
                .whenComplete((outcome, failure) -> {
                    if (failure != null) {
                        // the entry drops the waiter at its deadline; a grant that comes first is given back
                        refuse(waiter, reason == null ? Reason.QUEUE_TIMEOUT : reason, -1);
                        return;
                    }
                    notices.dispatch(outcome.notices());
                    if (outcome.code() == SemaphoreOps.Code.HELD) {
                        grant(waiter, outcome.used());
                    } else {
                        refuse(waiter, reason == null ? Reason.QUEUE_TIMEOUT : reason, outcome.used());
                    }
                });
    }

    /** Completes a waiter with its lease; a request that is gone gives the lease straight back. */
    void grant(SemaphoreWaiter waiter, long used) {
        if (!waiter.decide()) {
            return;
        }
        waiter.timer.cancel();
        Lease lease = leases.hold(waiter.ticket, waiter.entryKey, waiter.count);
        waiting.remove(waiter.ticket);
        if (!waiter.future.complete(PermitOutcome.granted(lease, used).withWaited(waiter.waited()))) {
            lease.release();
        }
    }

    void refuse(SemaphoreWaiter waiter, Reason reason, long used) {
        if (waiter.decide()) {
            waiter.timer.cancel();
            waiting.remove(waiter.ticket);
            waiter.future.complete(PermitOutcome.refused(reason, used, 1).withWaited(waiter.waited()));
        }
    }

    /** A decision for this node, from a notice or a processor's answer. */
    void handle(Notice notice) {
        SemaphoreWaiter waiter = waiting.get(notice.ticket());
        if (waiter != null) {
            if (notice.granted()) {
                grant(waiter, notice.used());
            } else {
                refuse(waiter, notice.reason(), notice.used());
            }
        } else if (notice.granted() && !leases.holds(notice.ticket()) && notice.key() != null) {
            // granted to a request this node has already given up on (its leave could not reach the entry)
            leases.release(notice.ticket(), notice.key());
        }
    }

    /** Admits this node's waiters of one policy with leases that hold nothing (the policy or its limit is gone). */
    void admit(String policyPrefix) {
        for (SemaphoreWaiter waiter : all()) {
            if (waiter.entryKey.startsWith(policyPrefix) && waiter.decide()) {
                waiter.timer.cancel();
                waiting.remove(waiter.ticket);
                leaveSilently(waiter);
                waiter.future.complete(PermitOutcome.granted(Lease.NONE, 0).withWaited(waiter.waited()));
            }
        }
    }

    /** Refuses every waiter of this node (it is closing); {@code leaveEntries}: they leave their entries too. */
    void refuseAll(boolean leaveEntries) {
        for (SemaphoreWaiter waiter : all()) {
            if (waiter.decide()) {
                waiter.timer.cancel();
                waiting.remove(waiter.ticket);
                if (leaveEntries) {
                    leaveSilently(waiter);
                }
                waiter.future.complete(PermitOutcome.refused(Reason.QUEUE_TIMEOUT, 0, 1).withWaited(waiter.waited()));
            }
        }
    }

    /** Removes a decided waiter from its entry; a lease it was granted meanwhile is given back. */
    private void leaveSilently(SemaphoreWaiter waiter) {
        calls.background(map, waiter.entryKey, new SemaphoreOps.Leave(waiter.ticket, departures.caller()))
                .whenComplete((outcome, failure) -> {
                    if (outcome != null) {
                        notices.dispatch(outcome.notices());
                        if (outcome.code() == SemaphoreOps.Code.HELD) {
                            leases.release(waiter.ticket, waiter.entryKey);
                        }
                    }
                });
    }

    /** A copy of this node's undecided requests. */
    List<SemaphoreWaiter> all() {
        return new ArrayList<>(waiting.values());
    }

    /** This node's requests of one policy that wait in a line (not those whose answer is still on its way). */
    long waitingCount(String policyPrefix) {
        return waiting.values().stream().filter(w -> w.inLine(policyPrefix)).count();
    }

    long oldestWaiterNanos(String policyPrefix) {
        long now = scheduler.ticker().nanos();
        return waiting.values().stream().filter(w -> w.inLine(policyPrefix)).mapToLong(w -> now - w.start).max()
                .orElse(0);
    }
}
