package dev.sluice.hazelcast;

import com.hazelcast.map.IMap;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.Ticker;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each member sweeps the semaphore entries it owns every {@value #SWEEP_SECONDS} s: what has expired (leases not
 * renewed, waiters past their deadline) and what departed members held is dropped, and the waiters this frees are
 * told. Every processor does the same on its entry before it decides, so clients need no sweeper of their own: on a
 * client this does nothing. The sweep also forgets members that departed more than a day ago.
 *
 * <p>Thread-safe; never blocks.
 */
final class MemberSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(MemberSweeper.class);
    static final int SWEEP_SECONDS = 1;
    static final long SWEEP_NANOS = SWEEP_SECONDS * 1_000_000_000L;

    private final boolean member;
    private final ClusterCalls calls;
    private final IMap<String, SemaphoreState> map;
    private final Scheduler scheduler;
    private final Ticker clock;
    private final DepartedMembers departures;
    private final NoticeTopics notices;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Scheduler.Cancellable sweepTimer = Scheduler.Cancellable.NONE;

    /** @param member whether this node is a member (a client sweeps nothing) */
    MemberSweeper(boolean member, ClusterCalls calls, IMap<String, SemaphoreState> map, Scheduler scheduler,
            Ticker clock, DepartedMembers departures, NoticeTopics notices) {
        this.member = member;
        this.calls = calls;
        this.map = map;
        this.scheduler = scheduler;
        this.clock = clock;
        this.departures = departures;
        this.notices = notices;
    }

    void start() {
        scheduleSweep();
    }

    private void scheduleSweep() {
        if (member && !closed.get()) {
            sweepTimer = scheduler.schedule(() -> {
                sweep();
                scheduleSweep();
            }, SWEEP_NANOS);
        }
    }

    private void sweep() {
        if (closed.get()) {
            return;
        }
        long now = clock.nanos();
        departures.expire(now);
        try {
            Set<String> local = calls.localKeys(map);
            if (local.isEmpty()) {
                return;
            }
            calls.onKeys(map, local, new SemaphoreOps.Sweep(departures.caller(now)))
                    .whenComplete((outcomes, failure) -> {
                        if (outcomes != null) {
                            outcomes.values().forEach(outcome -> notices.dispatch(outcome.notices()));
                        }
                    });
        } catch (RuntimeException failure) {
            LOG.debug("Sweep skipped: {}", failure.toString());
        }
    }

    void close() {
        closed.set(true);
        sweepTimer.cancel();
    }
}
