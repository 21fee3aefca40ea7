package dev.sluice.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.topic.ITopic;
import dev.sluice.core.Reason;
import dev.sluice.core.spi.Lease;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.Ticker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of the cluster semaphores, shared by all policies: the requests it has waiting (by ticket), the
 * leases it holds, and the timers that keep both honest. The entries themselves live in IMap
 * {@value HazelcastBackend#SEMAPHORES} and change only through {@link SemaphoreOps}.
 *
 * <p><b>Telling a waiter's node.</b> A processor that grants or refuses waiters (a release, a leave, a sweep, a
 * live change) returns those decisions to the node that ran it. That node completes its own waiters directly and
 * publishes the others' on the notice topic of their node ({@code sluice-notices-<uuid>}), to which only that node
 * listens. This was chosen over an entry listener because one message carries exactly the decisions, reaches only
 * the node concerned, costs nothing when no one waits on another node, and works for clients as well as members;
 * an entry listener would send every node every change of every busy entry. Topic delivery is best effort, so a
 * slow safety poll ({@value #POLL_SECONDS} s) asks the entry about each waiter that has waited longer than that,
 * and the waiter's own deadline timer ends its wait in any case: a lost notice costs latency, never a stranded
 * request. Each ticket is decided once ({@link Waiting#decide}); a grant that finds its request gone (cancelled,
 * timed out) gives the lease straight back.
 *
 * <p><b>Leases.</b> Leases this node holds are renewed in one processor call per entry, every third of the shortest
 * lease time seen (the heartbeat). A node that dies stops renewing. As soon as a node sees a member leave, it has
 * every member drop the departed member's leases and waiters from the entries it owns (a task on each member, so
 * members without a Sluice node are covered too). Because a partition of the departed member may be promoted from
 * its backup only after that, every processor a node sends also carries the members it has seen leave (for a day,
 * at most {@value #MAX_DEPARTED}), so an entry drops them on its next use wherever it lives, at the latest at the
 * next safety poll of a waiter. Any lease not renewed expires at its lease time. Each member sweeps the entries it
 * owns every {@value #SWEEP_SECONDS} s, and every processor drops what has expired on its entry before it decides,
 * so clients need no sweeper of their own. A lease whose renewal finds it gone is logged: its request keeps
 * running, the cluster no longer counts it.
 *
 * <p>Tickets are unique per node: a counter started at a random value, so tickets of different nodes do not collide
 * in practice (two nodes would need to draw starting points closer than the tickets they issue, out of 2^64).
 *
 * <p>Thread-safe. Nothing here blocks a caller; the first notice to a node creates that node's topic on a thread of
 * this client's own.
 */
final class SemaphoreClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SemaphoreClient.class);
    static final int POLL_SECONDS = 2;
    static final int SWEEP_SECONDS = 1;
    static final long POLL_NANOS = POLL_SECONDS * 1_000_000_000L;
    static final long SWEEP_NANOS = SWEEP_SECONDS * 1_000_000_000L;
    /** How long a departed holder is remembered: the longest lease there can be. */
    static final long DEPARTED_NANOS = 86_400_000_000_000L;
    static final String NOTICE_TOPIC = "sluice-notices-";
    static final int MAX_DEPARTED = 1024;

    private final HazelcastInstance hazelcast;
    private final ClusterCalls calls;
    private final IMap<String, SemaphoreState> map;
    private final Scheduler scheduler;
    private final Ticker clock;
    /** This node's member UUID: Hazelcast gives a member a new one when it merges into another cluster. */
    private volatile UUID self;
    private final boolean member;
    private final AtomicLong tickets = new AtomicLong(ThreadLocalRandom.current().nextLong());
    private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();
    private final Map<Long, Held> held = new ConcurrentHashMap<>();
    /** Members seen leaving, with when (cluster clock); at most {@value #MAX_DEPARTED}, for a day. */
    private final Map<UUID, Long> departed = new ConcurrentHashMap<>();
    private volatile Set<UUID> departedNow = Set.of();
    private final Map<UUID, ITopic<Notice.Batch>> topics = new ConcurrentHashMap<>();
    private final ExecutorService topicMaker;
    private volatile ITopic<Notice.Batch> ownTopic;
    private volatile UUID topicRegistration;
    private final UUID membershipRegistration;
    private final UUID lifecycleRegistration;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long renewNanos = 10_000_000_000L;
    private volatile Scheduler.Cancellable renewTimer = Scheduler.Cancellable.NONE;
    private volatile Scheduler.Cancellable sweepTimer = Scheduler.Cancellable.NONE;
    private volatile Scheduler.Cancellable pollTimer = Scheduler.Cancellable.NONE;

    SemaphoreClient(HazelcastInstance hazelcast, ClusterCalls calls, Scheduler scheduler, Ticker clock) {
        this.hazelcast = hazelcast;
        this.calls = calls;
        this.map = hazelcast.getMap(HazelcastBackend.SEMAPHORES);
        this.scheduler = scheduler;
        this.clock = clock;
        this.self = hazelcast.getLocalEndpoint().getUuid();
        this.member = hazelcast.getLocalEndpoint() instanceof Member;
        this.topicMaker = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sluice-notices-" + self.toString().substring(0, 8));
            thread.setDaemon(true);
            return thread;
        });
        this.ownTopic = hazelcast.getTopic(NOTICE_TOPIC + self);
        this.topicRegistration = ownTopic.addMessageListener(message -> handle(message.getMessageObject()));
        this.membershipRegistration = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                returned(event.getMember().getUuid());
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                left(event.getMember().getUuid());
            }
        });
        this.lifecycleRegistration = hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                merged();
            }
        });
        scheduleRenew();
        scheduleSweep();
        schedulePoll();
    }

    /**
     * This member merged into the other side of a split. Hazelcast gave it a new UUID, so its notices now come to a
     * topic of that name; and the members it saw leave are back (with their UUIDs), so they no longer count as
     * departed: their leases must not be swept. Leases this node took before the merge carry its old UUID, which the
     * other side saw leave: they are dropped (their requests run on uncounted, at most one lease time).
     */
    private void merged() {
        UUID now = hazelcast.getLocalEndpoint().getUuid();
        for (Member member : hazelcast.getCluster().getMembers()) {
            returned(member.getUuid());
        }
        if (now.equals(self) || closed.get()) {
            return;
        }
        ITopic<Notice.Batch> oldTopic = ownTopic;
        UUID oldRegistration = topicRegistration;
        ITopic<Notice.Batch> topic = hazelcast.getTopic(NOTICE_TOPIC + now);
        topicRegistration = topic.addMessageListener(message -> handle(message.getMessageObject()));
        ownTopic = topic;
        LOG.info("This member merged into the cluster as {} (was {}); notices now come to its new topic", now, self);
        self = now;
        try {
            oldTopic.removeMessageListener(oldRegistration);
        } catch (RuntimeException gone) {
            LOG.debug("The old notice topic's listener stays ({})", gone.toString());
        }
    }

    /** A member seen leaving is in the cluster again (a merge): its leases are live again. */
    private synchronized void returned(UUID member) {
        if (departed.remove(member) != null) {
            departedNow = Set.copyOf(departed.keySet());
        }
    }

    /** A request's permits: granted at once, queued (completing later), or refused. */
    CompletableFuture<PermitOutcome> acquire(String entryKey, long count, Definition definition, long maxWaitNanos) {
        renewEvery(definition.leaseNanos());
        long ticket = tickets.incrementAndGet();
        long now = clock.nanos();
        long deadline = maxWaitNanos > 0 ? now + maxWaitNanos : now;
        Waiting waiter = new Waiting(ticket, entryKey, count, scheduler.ticker().nanos(), maxWaitNanos);
        waiting.put(ticket, waiter);
        calls.onKey(map, entryKey, new SemaphoreOps.Acquire(ticket, self, count, definition, deadline,
                caller(now)), (late, lateFailure) -> lateAcquire(ticket, entryKey, late))
                .whenComplete((outcome, failure) -> {
                    if (failure != null) {
                        if (waiter.decide()) {
                            waiting.remove(ticket);
                            waiter.future.completeExceptionally(failure);
                        }
                        return;
                    }
                    dispatch(outcome.notices());
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
        dispatch(outcome.notices());
        if (outcome.code() == SemaphoreOps.Code.GRANTED) {
            LOG.debug("Lease {} was granted after its request had been decided without the cluster; given back",
                    ticket);
            release(ticket, entryKey);
        } else if (outcome.code() == SemaphoreOps.Code.QUEUED) {
            calls.background(map, entryKey, new SemaphoreOps.Leave(ticket, caller()))
                    .whenComplete((left, failure) -> lateLeave(ticket, entryKey, left));
        }
    }

    /** A leave's answer that came after its request was decided: a lease granted before the leave is given back. */
    private void lateLeave(long ticket, String entryKey, SemaphoreOps.Outcome outcome) {
        if (outcome == null) {
            return;
        }
        dispatch(outcome.notices());
        if (outcome.code() == SemaphoreOps.Code.HELD) {
            release(ticket, entryKey);
        }
    }

    /**
     * The entry holds the waiter now. Only from here may a cancellation or a timeout send {@code Leave}: sent
     * earlier, it could reach the entry before the {@code Acquire} it undoes.
     */
    private void queued(Waiting waiter) {
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
    private void leave(Waiting waiter, Reason reason) {
        waiter.timer.cancel();
        if (waiter.decided()) {
            return;
        }
        calls.onKey(map, waiter.entryKey, new SemaphoreOps.Leave(waiter.ticket, caller()),
                (late, lateFailure) -> lateLeave(waiter.ticket, waiter.entryKey, late))
                .whenComplete((outcome, failure) -> {
                    if (failure != null) {
                        // the entry drops the waiter at its deadline; a grant that comes first is given back
                        refuse(waiter, reason == null ? Reason.QUEUE_TIMEOUT : reason, -1);
                        return;
                    }
                    dispatch(outcome.notices());
                    if (outcome.code() == SemaphoreOps.Code.HELD) {
                        grant(waiter, outcome.used());
                    } else {
                        refuse(waiter, reason == null ? Reason.QUEUE_TIMEOUT : reason, outcome.used());
                    }
                });
    }

    /** Completes a waiter with its lease; a request that is gone gives the lease straight back. */
    private void grant(Waiting waiter, long used) {
        if (!waiter.decide()) {
            return;
        }
        waiter.timer.cancel();
        held.put(waiter.ticket, new Held(waiter.entryKey, waiter.count));
        waiting.remove(waiter.ticket);
        ClusterLease lease = new ClusterLease(waiter.ticket, waiter.entryKey);
        if (!waiter.future.complete(PermitOutcome.granted(lease, used).withWaited(waiter.waited()))) {
            lease.release();
        }
    }

    private void refuse(Waiting waiter, Reason reason, long used) {
        if (waiter.decide()) {
            waiter.timer.cancel();
            waiting.remove(waiter.ticket);
            waiter.future.complete(PermitOutcome.refused(reason, used, 1).withWaited(waiter.waited()));
        }
    }

    /** Decisions made by a processor: this node's are handled here, the others' go to their nodes' topics. */
    private void dispatch(Notice.Batch batch) {
        if (batch.notices().isEmpty()) {
            return;
        }
        Map<UUID, List<Notice>> others = null;
        for (Notice notice : batch.notices()) {
            if (notice.holder().equals(self)) {
                handle(notice);
            } else {
                if (others == null) {
                    others = new HashMap<>();
                }
                others.computeIfAbsent(notice.holder(), holder -> new ArrayList<>()).add(notice);
            }
        }
        if (others != null && !closed.get()) {
            others.forEach((holder, notices) -> send(holder, new Notice.Batch(notices)));
        }
    }

    /**
     * Publishes to a node's notice topic. The first notice to a node creates the topic's proxy, which may wait for
     * the cluster, so that happens on this client's own thread, never on the Hazelcast thread that answered.
     */
    private void send(UUID holder, Notice.Batch batch) {
        ITopic<Notice.Batch> topic = topics.get(holder);
        if (topic != null) {
            publish(holder, topic, batch);
            return;
        }
        try {
            topicMaker.execute(() -> {
                try {
                    publish(holder, topics.computeIfAbsent(holder, uuid -> hazelcast.getTopic(NOTICE_TOPIC + uuid)),
                            batch);
                } catch (RuntimeException failure) {
                    LOG.debug("A notice to {} was not sent ({}); its safety poll will find out", holder,
                            failure.toString());
                }
            });
        } catch (RuntimeException closing) {
            LOG.debug("A notice to {} was not sent (closing); its safety poll will find out", holder);
        }
    }

    private void publish(UUID holder, ITopic<Notice.Batch> topic, Notice.Batch batch) {
        calls.publish(topic, batch).whenComplete((done, failure) -> {
            if (failure != null) {
                LOG.debug("A notice to {} was not sent ({}); its safety poll will find out", holder,
                        failure.toString());
            }
        });
    }

    private void handle(Notice.Batch batch) {
        for (Notice notice : batch.notices()) {
            if (notice.holder().equals(self)) {
                handle(notice);
            }
        }
    }

    private void handle(Notice notice) {
        Waiting waiter = waiting.get(notice.ticket());
        if (waiter != null) {
            if (notice.granted()) {
                grant(waiter, notice.used());
            } else {
                refuse(waiter, notice.reason(), notice.used());
            }
        } else if (notice.granted() && !held.containsKey(notice.ticket()) && notice.key() != null) {
            // granted to a request this node has already given up on (its leave could not reach the entry)
            release(notice.ticket(), notice.key());
        }
    }

    private void release(long ticket, String entryKey) {
        held.remove(ticket);
        calls.background(map, entryKey, new SemaphoreOps.Release(ticket, caller()))
                .whenComplete((outcome, failure) -> {
                    if (failure == null) {
                        dispatch(outcome.notices());
                    } else {
                        LOG.debug("Could not release lease {} ({}); it expires unrenewed", ticket,
                                failure.toString());
                    }
                });
    }

    /** Applies a live change to every entry of a policy, on the members that own them. */
    void reconfigure(String policyPrefix, Definition definition) {
        renewEvery(definition.leaseNanos());
        SemaphoreOps.OnLocalEntries task = new SemaphoreOps.OnLocalEntries(policyPrefix,
                new SemaphoreOps.Reconfigure(definition, caller()));
        for (CompletableFuture<Notice.Batch> answer : calls.onEveryMember(task)) {
            answer.whenComplete((batch, failure) -> {
                if (failure != null) {
                    LOG.warn("A change of policy {} could not reach the semaphores of a member at once ({}); each "
                            + "follows it on its next use", policyPrefix.substring(0, policyPrefix.length() - 1),
                            failure.toString());
                } else {
                    dispatch(batch);
                }
            });
        }
    }

    /** One entry as it stands, for the management API. */
    CompletableFuture<SemaphoreOps.Outcome> read(String entryKey) {
        return calls.background(map, entryKey, new SemaphoreOps.Read(caller()));
    }

    /** Refuses the entry's waiters, on every node; completes with whether there were any. */
    CompletableFuture<Boolean> refuseWaiters(String entryKey) {
        return calls.background(map, entryKey, new SemaphoreOps.RefuseWaiters(caller())).thenApply(outcome -> {
            dispatch(outcome.notices());
            return outcome.code() == SemaphoreOps.Code.REMOVED;
        });
    }

    /** This node's waiters of one policy are admitted with leases that hold nothing (the policy or its limit is gone). */
    void admitWaiters(String policyPrefix) {
        for (Waiting waiter : new ArrayList<>(waiting.values())) {
            if (waiter.entryKey.startsWith(policyPrefix) && waiter.decide()) {
                waiter.timer.cancel();
                waiting.remove(waiter.ticket);
                leaveSilently(waiter);
                waiter.future.complete(PermitOutcome.granted(Lease.NONE, 0).withWaited(waiter.waited()));
            }
        }
    }

    /** Removes a decided waiter from its entry; a lease it was granted meanwhile is given back. */
    private void leaveSilently(Waiting waiter) {
        calls.background(map, waiter.entryKey, new SemaphoreOps.Leave(waiter.ticket, caller()))
                .whenComplete((outcome, failure) -> {
                    if (outcome != null) {
                        dispatch(outcome.notices());
                        if (outcome.code() == SemaphoreOps.Code.HELD) {
                            release(waiter.ticket, waiter.entryKey);
                        }
                    }
                });
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

    /** Permits this node holds for one policy. */
    long heldPermits(String policyPrefix) {
        return held.values().stream().filter(h -> h.entryKey.startsWith(policyPrefix)).mapToLong(Held::count).sum();
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

    /** The heartbeat: one call per entry with this node's tickets on it. */
    private void renew() {
        Map<String, List<Long>> byEntry = new HashMap<>();
        held.forEach((ticket, lease) -> byEntry.computeIfAbsent(lease.entryKey, k -> new ArrayList<>()).add(ticket));
        long now = clock.nanos();
        byEntry.forEach((entryKey, entryTickets) -> calls.background(map, entryKey, new SemaphoreOps.Renew(
                entryTickets.stream().mapToLong(Long::longValue).toArray(), caller(now))).whenComplete((outcome, failure) -> {
                    if (outcome == null) {
                        LOG.debug("Renewal of {} lease(s) failed ({}); retried in {} ms", entryTickets.size(),
                                failure.toString(), renewNanos / 1_000_000);
                        return;
                    }
                    dispatch(outcome.notices());
                    for (long lost : outcome.missing()) {
                        if (held.remove(lost) != null) {
                            LOG.warn("Lease {} on {} was dropped by the cluster (expired, or this node was taken for "
                                    + "gone); its request runs on uncounted", lost, entryKey);
                        }
                    }
                }));
        scheduleRenew();
    }

    private void scheduleSweep() {
        if (member && !closed.get()) {
            sweepTimer = scheduler.schedule(() -> {
                sweep();
                scheduleSweep();
            }, SWEEP_NANOS);
        }
    }

    /** Each member sweeps the entries it owns. */
    private void sweep() {
        if (closed.get()) {
            return;
        }
        long now = clock.nanos();
        if (departed.values().removeIf(since -> now - since > DEPARTED_NANOS)) {
            departedNow = Set.copyOf(departed.keySet());
        }
        try {
            Set<String> local = calls.localKeys(map);
            if (local.isEmpty()) {
                return;
            }
            calls.onKeys(map, local, new SemaphoreOps.Sweep(caller(now)))
                    .whenComplete((outcomes, failure) -> {
                        if (outcomes != null) {
                            outcomes.values().forEach(outcome -> dispatch(outcome.notices()));
                        }
                    });
        } catch (RuntimeException failure) {
            LOG.debug("Sweep skipped: {}", failure.toString());
        }
    }

    private void schedulePoll() {
        if (!closed.get()) {
            pollTimer = scheduler.schedule(() -> {
                poll();
                schedulePoll();
            }, POLL_NANOS);
        }
    }

    /** The safety net for lost notices: asks about requests that have waited longer than one poll interval. */
    private void poll() {
        long now = scheduler.ticker().nanos();
        for (Waiting waiter : new ArrayList<>(waiting.values())) {
            if (now - waiter.start < POLL_NANOS || !waiter.inLine("")) {
                continue;
            }
            calls.background(map, waiter.entryKey, new SemaphoreOps.Poll(waiter.ticket, caller()))
                    .whenComplete((outcome, failure) -> {
                        if (outcome == null) {
                            return;
                        }
                        dispatch(outcome.notices());
                        if (outcome.code() == SemaphoreOps.Code.GRANTED) {
                            grant(waiter, outcome.used());
                        } else if (outcome.code() == SemaphoreOps.Code.ABSENT) {
                            refuse(waiter, Reason.QUEUE_TIMEOUT, outcome.used());
                        }
                    });
        }
    }

    /**
     * A member left: destroy its notice topic (another backend on a live instance may share that instance's topic, so
     * a topic goes only with its member), remember the member for every processor sent from now on, and have every
     * member drop what it held or awaited in the entries it owns now.
     */
    private void left(UUID gone) {
        topics.remove(gone);
        if (closed.get()) {
            return;
        }
        remember(gone);
        try {
            topicMaker.execute(() -> {
                try {
                    hazelcast.getTopic(NOTICE_TOPIC + gone).destroy();
                } catch (RuntimeException failure) {
                    LOG.debug("The notice topic of {} stays ({})", gone, failure.toString());
                }
            });
        } catch (RuntimeException closing) {
            // the topic stays, empty
        }
        LOG.info("Dropping the leases and waiters of departed member {}", gone);
        for (CompletableFuture<Notice.Batch> answer : calls.onEveryMember(new SemaphoreOps.OnLocalEntries("",
                new SemaphoreOps.Sweep(caller())))) {
            answer.whenComplete((batch, failure) -> {
                if (failure != null) {
                    LOG.debug("A member could not drop what departed member {} held ({}); its entries drop it on "
                            + "their next use", gone, failure.toString());
                } else {
                    dispatch(batch);
                }
            });
        }
    }

    private synchronized void remember(UUID gone) {
        departed.put(gone, clock.nanos());
        while (departed.size() > MAX_DEPARTED) {
            departed.entrySet().stream().min(Map.Entry.comparingByValue())
                    .ifPresent(oldest -> departed.remove(oldest.getKey()));
        }
        departedNow = Set.copyOf(departed.keySet());
    }

    private SemaphoreOps.Caller caller() {
        return caller(clock.nanos());
    }

    /** What this node brings to a processor: its "now" and the members it has seen leave. */
    private SemaphoreOps.Caller caller(long now) {
        return new SemaphoreOps.Caller(now, departedNow);
    }

    /** Stops the timers and listeners; this node's waiters are refused and leave their entries. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        renewTimer.cancel();
        sweepTimer.cancel();
        pollTimer.cancel();
        topicMaker.shutdownNow();
        boolean running = hazelcast.getLifecycleService().isRunning();
        for (Waiting waiter : new ArrayList<>(waiting.values())) {
            if (waiter.decide()) {
                waiter.timer.cancel();
                waiting.remove(waiter.ticket);
                if (running) {
                    leaveSilently(waiter);
                }
                waiter.future.complete(PermitOutcome.refused(Reason.QUEUE_TIMEOUT, 0, 1).withWaited(waiter.waited()));
            }
        }
        try {
            ownTopic.removeMessageListener(topicRegistration);
            hazelcast.getCluster().removeMembershipListener(membershipRegistration);
            hazelcast.getLifecycleService().removeLifecycleListener(lifecycleRegistration);
        } catch (RuntimeException gone) {
            // the instance is already shut down
        }
    }

    /** A request this node has in the line. Decided exactly once: granted, refused, admitted or failed. */
    private final class Waiting {
        final long ticket;
        final String entryKey;
        final long count;
        final long start;
        final long maxWaitNanos;
        final CompletableFuture<PermitOutcome> future = new CompletableFuture<>();
        private final AtomicBoolean decided = new AtomicBoolean();
        volatile Scheduler.Cancellable timer = Scheduler.Cancellable.NONE;

        Waiting(long ticket, String entryKey, long count, long start, long maxWaitNanos) {
            this.ticket = ticket;
            this.entryKey = entryKey;
            this.count = count;
            this.start = start;
            this.maxWaitNanos = maxWaitNanos;
        }

        boolean decide() {
            return decided.compareAndSet(false, true);
        }

        boolean decided() {
            return decided.get();
        }

        boolean inLine(String policyPrefix) {
            return entryKey.startsWith(policyPrefix) && timer != Scheduler.Cancellable.NONE && !decided();
        }

        long waited() {
            return Math.max(0, scheduler.ticker().nanos() - start);
        }
    }

    private record Held(String entryKey, long count) { }

    /** A lease held by this node, released exactly once, from any thread. */
    private final class ClusterLease extends AtomicBoolean implements Lease {
        private final long ticket;
        private final String entryKey;

        ClusterLease(long ticket, String entryKey) {
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
