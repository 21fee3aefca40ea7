package dev.sluice.hazelcast;

import com.hazelcast.map.IMap;
import dev.sluice.core.spi.Lease;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.Ticker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The semaphore leases this node holds, and their heartbeat: they are renewed in one processor call per entry, every
 * third of the shortest lease time seen. A node that dies stops renewing, and any lease not renewed expires at its
 * lease time. A lease whose renewal finds it gone is logged: its request keeps running, the cluster no longer
 * counts it. Each lease is released exactly once, from any thread ({@link ClusterLease}).
 *
 * <p>Thread-safe; never blocks.
 */
final class HeldLeases {
    private static final Logger LOG = LoggerFactory.getLogger(HeldLeases.class);

    private final ClusterCalls calls;
    private final IMap<String, SemaphoreState> map;
    private final Scheduler scheduler;
    private final Ticker clock;
    private final DepartedMembers departures;
    private final NoticeTopics notices;
    private final Map<Long, Held> held = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long renewNanos = 10_000_000_000L;
    private volatile Scheduler.Cancellable renewTimer = Scheduler.Cancellable.NONE;

    HeldLeases(ClusterCalls calls, IMap<String, SemaphoreState> map, Scheduler scheduler, Ticker clock,
            DepartedMembers departures, NoticeTopics notices) {
        this.calls = calls;
        this.map = map;
        this.scheduler = scheduler;
        this.clock = clock;
        this.departures = departures;
        this.notices = notices;
    }

    /** Starts the heartbeat. */
    void start() {
        scheduleRenew();
    }

    /** Records a lease the cluster granted this node, and returns it to be released exactly once. */
    Lease hold(long ticket, String entryKey, long count) {
        held.put(ticket, new Held(entryKey, count));
        return new ClusterLease(ticket, entryKey);
    }

    boolean holds(long ticket) {
        return held.containsKey(ticket);
    }

    /** Gives lease {@code ticket} back to its entry; one that cannot be given back expires unrenewed. */
    void release(long ticket, String entryKey) {
        held.remove(ticket);
        calls.background(map, entryKey, new SemaphoreOps.Release(ticket, departures.caller()))
                .whenComplete((outcome, failure) -> {
                    if (failure == null) {
                        notices.dispatch(outcome.notices());
                    } else {
                        LOG.debug("Could not release lease {} ({}); it expires unrenewed", ticket,
                                failure.toString());
                    }
                });
    }

    /** Permits this node holds for one policy. */
    long heldPermits(String policyPrefix) {
        return held.values().stream().filter(h -> h.entryKey.startsWith(policyPrefix)).mapToLong(Held::count).sum();
    }

    /** Renews at least every third of the shortest lease seen, starting over at once when that shortens. */
    void renewEvery(long leaseNanos) {
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
                entryTickets.stream().mapToLong(Long::longValue).toArray(), departures.caller(now)))
                .whenComplete((outcome, failure) -> {
                    if (outcome == null) {
                        LOG.debug("Renewal of {} lease(s) failed ({}); retried in {} ms", entryTickets.size(),
                                failure.toString(), renewNanos / 1_000_000);
                        return;
                    }
                    notices.dispatch(outcome.notices());
                    for (long lost : outcome.missing()) {
                        if (held.remove(lost) != null) {
                            LOG.warn("Lease {} on {} was dropped by the cluster (expired, or this node was taken for "
                                    + "gone); its request runs on uncounted", lost, entryKey);
                        }
                    }
                }));
        scheduleRenew();
    }

    /** Stops the heartbeat. */
    void close() {
        closed.set(true);
        renewTimer.cancel();
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
                HeldLeases.this.release(ticket, entryKey);
            }
        }
    }
}
