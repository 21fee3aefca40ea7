package dev.sluice.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.topic.ITopic;
import dev.sluice.core.Reason;
import dev.sluice.core.spi.Lease;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.Ticker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of the cluster semaphores, shared by all policies: the requests it has waiting (by ticket), the
 * leases it holds, and the timers that keep both honest.
 *
 * <p><b>Notifications.</b> A processor that grants (or refuses) waiters returns them to the node that ran it, which
 * publishes them on one topic; every node completes the waiters it owns. The topic is chosen over entry listeners
 * because one message carries exactly the decisions, whatever entry they came from, and it reaches clients too. A
 * lost message cannot strand a waiter: a slow safety poll asks the owner entry about tickets that waited longer than
 * the poll interval, and the waiter's own deadline timer ends its wait in any case.
 *
 * <p><b>Leases.</b> Leases this node holds are renewed in one processor call per entry every third of the lease
 * time; a node that dies stops renewing, and its leases are dropped at once when the cluster sees it leave (by the
 * oldest member), or by any member's sweeper when they expire.
 */
final class SemaphoreClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SemaphoreClient.class);
    static final long POLL_NANOS = 2_000_000_000L;
    static final long SWEEP_NANOS = 1_000_000_000L;

    private final HazelcastInstance hazelcast;
    private final IMap<String, SemaphoreState> map;
    private final ITopic<List<SemaphoreState.Notice>> notices;
    private final Scheduler scheduler;
    private final Ticker clock;
    private final UUID self;
    private final boolean member;
    private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final UUID topicRegistration;
    private final UUID membershipRegistration;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long renewNanos = 10_000_000_000L;
    private volatile Scheduler.Cancellable renewTimer = Scheduler.Cancellable.NONE;
    private volatile Scheduler.Cancellable sweepTimer = Scheduler.Cancellable.NONE;
    private volatile Scheduler.Cancellable pollTimer = Scheduler.Cancellable.NONE;

    SemaphoreClient(HazelcastInstance hazelcast, Scheduler scheduler, Ticker clock) {
        this.hazelcast = hazelcast;
        this.map = hazelcast.getMap(HazelcastBackend.SEMAPHORES);
        this.notices = hazelcast.getTopic(HazelcastBackend.NOTICES);
        this.scheduler = scheduler;
        this.clock = clock;
        this.self = hazelcast.getLocalEndpoint().getUuid();
        this.member = hazelcast.getLocalEndpoint() instanceof Member;
        this.topicRegistration = notices.addMessageListener(message -> handle(message.getMessageObject()));
        this.membershipRegistration = member ? hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                // nothing to do: a new member takes part through its own calls
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                dropLeft(event.getMember().getUuid());
            }
        }) : null;
        scheduleRenew();
        scheduleSweep();
        schedulePoll();
    }

    /** A request's permits being acquired: granted at once, queued, or refused. */
    CompletableFuture<PermitOutcome> acquire(String entryKey, long count, long permits, long leaseNanos, int depth,
            long maxWaitNanos) {
        renewEvery(leaseNanos);
        String ticket = UUID.randomUUID().toString();
        long now = clock.nanos();
        Waiting waiter = new Waiting(ticket, entryKey, count, scheduler.ticker().nanos());
        long deadline = maxWaitNanos > 0 ? now + maxWaitNanos : now;
        waiting.put(ticket, waiter);
        HazelcastBackend.calls(map.submitToKey(entryKey, new SemaphoreOps.Acquire(ticket, self, count, permits,
                leaseNanos, depth, deadline, now))).whenComplete((result, failure) -> {
                    if (failure != null) {
                        waiting.remove(ticket);
                        waiter.future.completeExceptionally(failure);
                        return;
                    }
                    publish(result.notices());
                    switch (result.code()) {
                        case GRANTED -> grant(waiter, result.used());
                        case QUEUED -> waitFor(waiter, maxWaitNanos);
                        case REFUSED_QUEUE_FULL -> refuse(waiter, Reason.QUEUE_FULL, result.used());
                        default -> refuse(waiter, Reason.CONCURRENCY, result.used());
                    }
                });
        waiter.future.whenComplete((outcome, failure) -> {
            if (waiter.future.isCancelled()) {
                leave(waiter, null);
            }
        });
        return waiter.future;
    }

    private void waitFor(Waiting waiter, long maxWaitNanos) {
        waiter.timer = scheduler.schedule(() -> leave(waiter, Reason.QUEUE_TIMEOUT), maxWaitNanos);
        if (waiter.future.isDone()) {
            waiter.timer.cancel();
        }
    }

    /** Takes a waiter out of the line: timed out ({@code reason}) or cancelled (null). */
    private void leave(Waiting waiter, Reason reason) {
        waiter.timer.cancel();
        HazelcastBackend.calls(map.submitToKey(waiter.entryKey, new SemaphoreOps.Leave(waiter.ticket, clock.nanos())))
                .whenComplete((result, failure) -> {
                    if (failure != null) {
                        return;
                    }
                    publish(result.notices());
                    if (result.code() == SemaphoreOps.Code.HELD) {
                        grant(waiter, result.used());
                    } else if (waiting.remove(waiter.ticket) != null && reason != null) {
                        waiter.future.complete(PermitOutcome.refused(reason, result.used(), 1)
                                .withWaited(waiter.waited()));
                    }
                });
    }

    /** Completes a waiter with a lease; one whose caller is gone gives the lease straight back. */
    private void grant(Waiting waiter, long used) {
        boolean undecided = waiting.remove(waiter.ticket) != null;
        if (!undecided && !waiter.future.isCancelled()) {
            return;
        }
        waiter.timer.cancel();
        ClusterLease lease = new ClusterLease(waiter.ticket, waiter.entryKey);
        held.put(waiter.ticket, new Held(waiter.entryKey));
        if (!waiter.future.complete(PermitOutcome.granted(lease, used).withWaited(waiter.waited()))) {
            lease.release();
        }
    }

    private void refuse(Waiting waiter, Reason reason, long used) {
        if (waiting.remove(waiter.ticket) != null) {
            waiter.future.complete(PermitOutcome.refused(reason, used, 1).withWaited(waiter.waited()));
        }
    }

    /** Decisions about waiters, from any node: this node completes its own. */
    private void handle(List<SemaphoreState.Notice> decided) {
        for (SemaphoreState.Notice notice : decided) {
            if (!notice.holder().equals(self)) {
                continue;
            }
            Waiting waiter = waiting.get(notice.ticket());
            if (waiter == null) {
                if (notice.granted() && !held.containsKey(notice.ticket())) {
                    LOG.debug("Lease {} went to a request that already left; it expires unrenewed", notice.ticket());
                }
                continue;
            }
            if (notice.granted()) {
                grant(waiter, -1);
            } else {
                refuse(waiter, Reason.valueOf(notice.reason()), -1);
            }
        }
    }

    private void publish(List<SemaphoreState.Notice> decided) {
        if (!decided.isEmpty() && !closed.get()) {
            notices.publishAsync(decided);
        }
    }

    private void release(String ticket, String entryKey) {
        held.remove(ticket);
        HazelcastBackend.calls(map.submitToKey(entryKey, new SemaphoreOps.Release(ticket, clock.nanos())))
                .whenComplete((result, failure) -> {
                    if (failure == null) {
                        publish(result.notices());
                    } else {
                        LOG.debug("Could not release lease {} ({}); it expires unrenewed", ticket, failure.toString());
                    }
                });
    }

    /** Applies a live change of count, lease or depth to every entry of a policy. */
    void reconfigure(String policyPrefix, long permits, long leaseNanos, int depth) {
        renewEvery(leaseNanos);
        SemaphoreOps.Reconfigure change = new SemaphoreOps.Reconfigure(permits, leaseNanos, depth, clock.nanos());
        Set<String> keys = new HashSet<>();
        for (String key : map.keySet()) {
            if (key.startsWith(policyPrefix)) {
                keys.add(key);
            }
        }
        if (keys.isEmpty()) {
            return;
        }
        HazelcastBackend.calls(map.submitToKeys(keys, change)).whenComplete((results, failure) -> {
            if (results != null) {
                results.values().forEach(result -> publish(result.notices()));
            }
        });
    }

    /** Waiters of one policy are admitted with leases that hold nothing (the policy is gone). */
    void admitWaiters(String policyPrefix) {
        for (Waiting waiter : new ArrayList<>(waiting.values())) {
            if (waiter.entryKey.startsWith(policyPrefix) && waiting.remove(waiter.ticket) != null) {
                waiter.timer.cancel();
                HazelcastBackend.calls(map.submitToKey(waiter.entryKey, new SemaphoreOps.Leave(waiter.ticket,
                        clock.nanos())));
                waiter.future.complete(PermitOutcome.granted(Lease.NONE, 0).withWaited(waiter.waited()));
            }
        }
    }

    long waitingCount(String policyPrefix) {
        return waiting.values().stream().filter(w -> w.entryKey.startsWith(policyPrefix)).count();
    }

    long oldestWaiterNanos(String policyPrefix) {
        long now = scheduler.ticker().nanos();
        return waiting.values().stream().filter(w -> w.entryKey.startsWith(policyPrefix))
                .mapToLong(w -> now - w.enqueued).max().orElse(0);
    }

    long heldCount(String policyPrefix) {
        return held.values().stream().filter(h -> h.entryKey.startsWith(policyPrefix)).count();
    }

    // ---------------------------------------------------------------- timers

    /** Renews at least every third of the shortest lease seen, starting over at once when that shortens. */
    private void renewEvery(long leaseNanos) {
        long wanted = Math.max(1_000_000L, leaseNanos / 3);
        if (wanted < renewNanos) {
            synchronized (this) {
                if (wanted < renewNanos) {
                    renewNanos = wanted;
                    renewTimer.cancel();
                    scheduleRenew();
                }
            }
        }
    }

    private void scheduleRenew() {
        if (!closed.get()) {
            renewTimer = scheduler.schedule(this::renew, renewNanos);
        }
    }

    private void renew() {
        Map<String, Set<String>> byEntry = new HashMap<>();
        held.forEach((ticket, lease) -> byEntry.computeIfAbsent(lease.entryKey, k -> new HashSet<>()).add(ticket));
        long now = clock.nanos();
        byEntry.forEach((entryKey, tickets) -> HazelcastBackend.calls(map.submitToKey(entryKey,
                new SemaphoreOps.Renew(tickets, now))));
        scheduleRenew();
    }

    private void scheduleSweep() {
        if (member && !closed.get()) {
            sweepTimer = scheduler.schedule(this::sweep, SWEEP_NANOS);
        }
    }

    /** Each member sweeps the entries it owns. */
    private void sweep() {
        try {
            Set<String> local = map.localKeySet();
            if (!local.isEmpty()) {
                HazelcastBackend.calls(map.submitToKeys(local, new SemaphoreOps.Sweep(clock.nanos())))
                        .whenComplete((results, failure) -> {
                            if (results != null) {
                                results.values().forEach(result -> publish(result.notices()));
                            }
                        });
            }
        } catch (RuntimeException failure) {
            LOG.debug("Sweep skipped: {}", failure.toString());
        }
        scheduleSweep();
    }

    private void schedulePoll() {
        if (!closed.get()) {
            pollTimer = scheduler.schedule(this::poll, POLL_NANOS);
        }
    }

    /** The safety net for lost notices: asks about tickets that have waited longer than one poll interval. */
    private void poll() {
        long now = scheduler.ticker().nanos();
        for (Waiting waiter : new ArrayList<>(waiting.values())) {
            if (now - waiter.enqueued < POLL_NANOS) {
                continue;
            }
            HazelcastBackend.calls(map.submitToKey(waiter.entryKey, new SemaphoreOps.Status(waiter.ticket)))
                    .whenComplete((result, failure) -> {
                        if (result == null) {
                            return;
                        }
                        if (result.code() == SemaphoreOps.Code.GRANTED) {
                            grant(waiter, result.used());
                        } else if (result.code() == SemaphoreOps.Code.ABSENT) {
                            refuse(waiter, Reason.QUEUE_TIMEOUT, result.used());
                        }
                    });
        }
        schedulePoll();
    }

    /** A member left: the oldest member drops what it held and waited for, everywhere. */
    private void dropLeft(UUID left) {
        Member oldest = hazelcast.getCluster().getMembers().iterator().next();
        if (!oldest.localMember()) {
            return;
        }
        Thread dropper = new Thread(() -> {
            try {
                Map<String, SemaphoreOps.Result> results = map.executeOnEntries(
                        new SemaphoreOps.DropHolder(left, clock.nanos()));
                results.values().forEach(result -> publish(result.notices()));
                LOG.info("Dropped the leases and waiters of departed member {}", left);
            } catch (RuntimeException failure) {
                LOG.warn("Could not drop the leases of departed member {} ({}); they expire unrenewed", left,
                        failure.toString());
            }
        }, "sluice-drop-" + left);
        dropper.setDaemon(true);
        dropper.start();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            renewTimer.cancel();
            sweepTimer.cancel();
            pollTimer.cancel();
            for (Waiting waiter : new ArrayList<>(waiting.values())) {
                if (waiting.remove(waiter.ticket) != null) {
                    waiter.timer.cancel();
                    waiter.future.complete(PermitOutcome.refused(Reason.QUEUE_TIMEOUT, 0, 1));
                }
            }
            try {
                notices.removeMessageListener(topicRegistration);
                if (membershipRegistration != null) {
                    hazelcast.getCluster().removeMembershipListener(membershipRegistration);
                }
            } catch (RuntimeException ignored) {
                // the instance is already gone
            }
        }
    }

    private final class Waiting {
        final String ticket;
        final String entryKey;
        final long count;
        final long enqueued;
        final CompletableFuture<PermitOutcome> future = new CompletableFuture<>();
        volatile Scheduler.Cancellable timer = Scheduler.Cancellable.NONE;

        Waiting(String ticket, String entryKey, long count, long enqueued) {
            this.ticket = ticket;
            this.entryKey = entryKey;
            this.count = count;
            this.enqueued = enqueued;
        }

        long waited() {
            return Math.max(0, scheduler.ticker().nanos() - enqueued);
        }
    }

    private record Held(String entryKey) { }

    /** A lease held by this node, released exactly once. */
    private final class ClusterLease extends AtomicBoolean implements Lease {
        private final String ticket;
        private final String entryKey;

        ClusterLease(String ticket, String entryKey) {
            this.ticket = ticket;
            this.entryKey = entryKey;
        }

        @Override
        public void release() {
            if (compareAndSet(false, true)) {
                SemaphoreClient.this.release(ticket, entryKey);
            }
        }
    }
}
