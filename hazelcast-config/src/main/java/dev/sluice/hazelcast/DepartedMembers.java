package dev.sluice.hazelcast;

import dev.sluice.core.time.Ticker;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The members this node has seen leave, and what follows a departure. As soon as a node sees a member leave, it has
 * every member drop the departed member's leases and waiters from the entries it owns (a task on each member, so
 * members without a Sluice node are covered too). Because a partition of the departed member may be promoted from
 * its backup only after that, every processor a node sends also carries the members it has seen leave
 * ({@link #caller}; for a day, at most {@value #MAX_DEPARTED}), so an entry drops them on its next use wherever it
 * lives, at the latest at the next safety poll of a waiter. A member seen again (a merge) no longer counts as
 * departed: its leases are live again.
 *
 * <p>Thread-safe; never blocks.
 */
final class DepartedMembers {
    private static final Logger LOG = LoggerFactory.getLogger(DepartedMembers.class);
    /** How long a departed holder is remembered: the longest lease there can be. */
    static final long DEPARTED_NANOS = 86_400_000_000_000L;
    static final int MAX_DEPARTED = 1024;

    private final Ticker clock;
    private final ClusterCalls calls;
    private final NoticeTopics notices;
    /** Members seen leaving, with when (cluster clock); at most {@value #MAX_DEPARTED}, for a day. */
    private final Map<UUID, Long> departed = new ConcurrentHashMap<>();
    private volatile Set<UUID> departedNow = Set.of();

    DepartedMembers(Ticker clock, ClusterCalls calls, NoticeTopics notices) {
        this.clock = clock;
        this.calls = calls;
        this.notices = notices;
    }

    /** A member seen leaving is in the cluster again (a merge): its leases are live again. */
    synchronized void returned(UUID member) {
        if (departed.remove(member) != null) {
            departedNow = Set.copyOf(departed.keySet());
        }
    }

    /**
     * A member left: destroy its notice topic, remember the member for every processor sent from now on, and have
     * every member drop what it held or awaited in the entries it owns now.
     */
    void left(UUID gone) {
        remember(gone);
        notices.destroyTopicOf(gone);
        LOG.info("Dropping the leases and waiters of departed member {}", gone);
        for (CompletableFuture<Notice.Batch> answer : calls.onEveryMember(new SemaphoreOps.OnLocalEntries("",
                new SemaphoreOps.Sweep(caller())))) {
            answer.whenComplete((batch, failure) -> {
                if (failure != null) {
                    LOG.debug("A member could not drop what departed member {} held ({}); its entries drop it on "
                            + "their next use", gone, failure.toString());
                } else {
                    notices.dispatch(batch);
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

    /** Forgets the members that left more than a day before {@code now}. */
    void expire(long now) {
        if (departed.values().removeIf(since -> now - since > DEPARTED_NANOS)) {
            departedNow = Set.copyOf(departed.keySet());
        }
    }

    SemaphoreOps.Caller caller() {
        return caller(clock.nanos());
    }

    /** What this node brings to a processor: its "now" and the members it has seen leave. */
    SemaphoreOps.Caller caller(long now) {
        return new SemaphoreOps.Caller(now, departedNow);
    }
}
