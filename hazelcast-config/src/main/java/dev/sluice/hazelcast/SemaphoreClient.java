package dev.sluice.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import dev.sluice.core.spi.PermitOutcome;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.Ticker;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of the cluster semaphores, shared by all policies. The entries themselves live in IMap
 * {@value MapNames#SEMAPHORES} and change only through {@link SemaphoreOps}; this node keeps:
 * <ul>
 *   <li>the requests it has sent, until decided ({@link SemaphoreWaiters});</li>
 *   <li>the decisions for waiters on other nodes, sent to their notice topics ({@link NoticeTopics});</li>
 *   <li>the leases it holds, and their heartbeat ({@link HeldLeases});</li>
 *   <li>the sweep of the entries it owns, on a member ({@link MemberSweeper});</li>
 *   <li>the safety poll of waiters whose notice may be lost ({@link SafetyPoll});</li>
 *   <li>the members it has seen leave, whose leases and waiters every entry drops ({@link DepartedMembers}).</li>
 * </ul>
 * This class builds them, routes the cluster's membership and merge events to them, and closes them.
 *
 * <p><b>Merges.</b> After a split, this member merges into the other side with a new UUID: its notices come to a
 * topic of that name from then on; and the members it saw leave are back (with their UUIDs), so they no longer
 * count as departed: their leases must not be swept. Leases this node took before the merge carry its old UUID,
 * which the other side saw leave: they are dropped (their requests run on uncounted, at most one lease time).
 *
 * <p>Thread-safe. Nothing here blocks a caller.
 */
final class SemaphoreClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SemaphoreClient.class);

    private final HazelcastInstance hazelcast;
    private final ClusterCalls calls;
    private final IMap<String, SemaphoreState> map;
    private final NoticeTopics notices;
    private final DepartedMembers departures;
    private final HeldLeases leases;
    private final SemaphoreWaiters waiters;
    private final MemberSweeper sweeper;
    private final SafetyPoll poll;
    private final UUID membershipRegistration;
    private final UUID lifecycleRegistration;
    private final AtomicBoolean closed = new AtomicBoolean();

    SemaphoreClient(HazelcastInstance hazelcast, ClusterCalls calls, Scheduler scheduler, Ticker clock) {
        this.hazelcast = hazelcast;
        this.calls = calls;
        this.map = hazelcast.getMap(MapNames.SEMAPHORES);
        this.notices = new NoticeTopics(hazelcast, calls);
        this.departures = new DepartedMembers(clock, calls, notices);
        this.leases = new HeldLeases(calls, map, scheduler, clock, departures, notices);
        this.waiters = new SemaphoreWaiters(calls, map, scheduler, clock, departures, notices, leases);
        this.sweeper = new MemberSweeper(hazelcast.getLocalEndpoint() instanceof Member, calls, map, scheduler,
                clock, departures, notices);
        this.poll = new SafetyPoll(calls, map, scheduler, departures, notices, waiters);
        notices.listen(waiters::handle);
        this.membershipRegistration = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                departures.returned(event.getMember().getUuid());
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
        leases.start();
        sweeper.start();
        poll.start();
    }

    /** This member merged into the other side of a split (see the class comment). */
    private void merged() {
        UUID now = hazelcast.getLocalEndpoint().getUuid();
        for (Member member : hazelcast.getCluster().getMembers()) {
            departures.returned(member.getUuid());
        }
        if (closed.get()) {
            return;
        }
        notices.movedTo(now);
    }

    /** A member left: its notice topic is forgotten, and (unless this node is closing) what it held dropped. */
    private void left(UUID gone) {
        notices.forget(gone);
        if (closed.get()) {
            return;
        }
        departures.left(gone);
    }

    /** A request's permits: granted at once, queued in {@code flow} (completing later), or refused. */
    CompletableFuture<PermitOutcome> acquire(String entryKey, long count, Definition definition, long maxWaitNanos,
            Flow flow) {
        return waiters.acquire(entryKey, count, definition, maxWaitNanos, flow);
    }

    /** Applies a live change to every entry of a policy, on the members that own them. */
    void reconfigure(String policyPrefix, Definition definition) {
        leases.renewEvery(definition.leaseNanos());
        SemaphoreOps.OnLocalEntries task = new SemaphoreOps.OnLocalEntries(policyPrefix,
                new SemaphoreOps.Reconfigure(definition, departures.caller()));
        for (CompletableFuture<Notice.Batch> answer : calls.onEveryMember(task)) {
            answer.whenComplete((batch, failure) -> {
                if (failure != null) {
                    LOG.warn("A change of policy {} could not reach the semaphores of a member at once ({}); each "
                            + "follows it on its next use", policyPrefix.substring(0, policyPrefix.length() - 1),
                            failure.toString());
                } else {
                    notices.dispatch(batch);
                }
            });
        }
    }

    /** One entry as it stands, for the management API. */
    CompletableFuture<SemaphoreOps.Outcome> read(String entryKey) {
        return calls.background(map, entryKey, new SemaphoreOps.Read(departures.caller()));
    }

    /** Refuses the entry's waiters, on every node; completes with whether there were any. */
    CompletableFuture<Boolean> refuseWaiters(String entryKey) {
        return calls.background(map, entryKey, new SemaphoreOps.RefuseWaiters(departures.caller()))
                .thenApply(outcome -> {
                    notices.dispatch(outcome.notices());
                    return outcome.code() == SemaphoreOps.Code.REMOVED;
                });
    }

    /** Admits this node's waiters of one policy with leases that hold nothing (the policy or its limit is gone). */
    void admitWaiters(String policyPrefix) {
        waiters.admit(policyPrefix);
    }

    /** This node's requests of one policy that wait in a line (not those whose answer is still on its way). */
    long waitingCount(String policyPrefix) {
        return waiters.waitingCount(policyPrefix);
    }

    long oldestWaiterNanos(String policyPrefix) {
        return waiters.oldestWaiterNanos(policyPrefix);
    }

    /** Permits this node holds for one policy. */
    long heldPermits(String policyPrefix) {
        return leases.heldPermits(policyPrefix);
    }

    /** Stops the timers and listeners; this node's waiters are refused and leave their entries. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        leases.close();
        sweeper.close();
        poll.close();
        notices.close();
        waiters.refuseAll(hazelcast.getLifecycleService().isRunning());
        try {
            notices.stopListening();
            hazelcast.getCluster().removeMembershipListener(membershipRegistration);
            hazelcast.getLifecycleService().removeLifecycleListener(lifecycleRegistration);
        } catch (RuntimeException gone) {
            // the instance is already shut down
        }
    }
}
