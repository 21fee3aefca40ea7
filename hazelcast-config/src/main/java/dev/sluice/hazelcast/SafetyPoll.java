package dev.sluice.hazelcast;

import com.hazelcast.map.IMap;
import dev.sluice.core.Reason;
import dev.sluice.core.time.Scheduler;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The safety net for lost notices: every {@value #POLL_SECONDS} s, asks the entry about each of this node's waiters
 * that has waited longer than that, and completes those the entry has granted or no longer knows. Topic delivery
 * is best effort ({@link NoticeTopics}), and the waiter's own deadline timer ends its wait in any case: a lost notice
 * costs latency, never a stranded request. Each poll also drops, on its entry, what has expired or departed.
 *
 * <p>Thread-safe; never blocks.
 */
final class SafetyPoll {
    static final int POLL_SECONDS = 2;
    static final long POLL_NANOS = POLL_SECONDS * 1_000_000_000L;

    private final ClusterCalls calls;
    private final IMap<String, SemaphoreState> map;
    private final Scheduler scheduler;
    private final DepartedMembers departures;
    private final NoticeTopics notices;
    private final SemaphoreWaiters waiters;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Scheduler.Cancellable pollTimer = Scheduler.Cancellable.NONE;

    SafetyPoll(ClusterCalls calls, IMap<String, SemaphoreState> map, Scheduler scheduler, DepartedMembers departures,
            NoticeTopics notices, SemaphoreWaiters waiters) {
        this.calls = calls;
        this.map = map;
        this.scheduler = scheduler;
        this.departures = departures;
        this.notices = notices;
        this.waiters = waiters;
    }

    void start() {
        schedulePoll();
    }

    private void schedulePoll() {
        if (!closed.get()) {
            pollTimer = scheduler.schedule(() -> {
                poll();
                schedulePoll();
            }, POLL_NANOS);
        }
    }

    /** Asks about requests that have waited longer than one poll interval. */
    private void poll() {
        long now = scheduler.ticker().nanos();
        for (SemaphoreWaiter waiter : waiters.all()) {
            if (now - waiter.start < POLL_NANOS || !waiter.inLine("")) {
                continue;
            }
            calls.background(map, waiter.entryKey, new SemaphoreOps.Poll(waiter.ticket, departures.caller()))
                    .whenComplete((outcome, failure) -> {
                        if (outcome == null) {
                            return;
                        }
                        notices.dispatch(outcome.notices());
                        if (outcome.code() == SemaphoreOps.Code.GRANTED) {
                            waiters.grant(waiter, outcome.used());
                        } else if (outcome.code() == SemaphoreOps.Code.ABSENT) {
                            waiters.refuse(waiter, Reason.QUEUE_TIMEOUT, outcome.used());
                        }
                    });
        }
    }

    void close() {
        closed.set(true);
        pollTimer.cancel();
    }
}
