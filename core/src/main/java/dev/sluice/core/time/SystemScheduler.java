package dev.sluice.core.time;

import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Scheduler}: one daemon timer thread on {@link System#nanoTime()}.
 *
 * <p>{@link #schedule} and {@link Cancellable#cancel()} never block, not even for a moment: they are called on
 * event-loop threads (a gateway queues and releases requests there), where a contended lock would park the loop. A
 * new task goes into a lock-free hand-off queue and, when it is due before the timer's next wake-up, the timer
 * thread is unparked; cancelling only marks the task. The timer thread alone orders tasks by deadline, runs the due
 * ones and drops cancelled ones, purging them early when they outnumber live ones, so a queue of cancelled waiters
 * holds little memory.
 */
public final class SystemScheduler implements Scheduler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SystemScheduler.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final long IDLE_PARK_NANOS = 1_000_000_000L;

    private final ConcurrentLinkedQueue<Timed> incoming = new ConcurrentLinkedQueue<>();
    private final AtomicInteger cancelled = new AtomicInteger();
    private final Thread timer;
    private volatile long nextWake;
    private volatile boolean sleeping;
    private volatile boolean running = true;

    public SystemScheduler() {
        int instance = INSTANCES.incrementAndGet();
        timer = new Thread(this::loop, "sluice-timer-" + instance);
        timer.setDaemon(true);
        timer.start();
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        Timed timed = new Timed(task, System.nanoTime() + Math.max(0, delayNanos));
        incoming.add(timed);
        if (sleeping && timed.deadline - nextWake < 0) {
            LockSupport.unpark(timer);
        }
        return timed;
    }

    @Override
    public Ticker ticker() {
        return Ticker.SYSTEM;
    }

    private void loop() {
        PriorityQueue<Timed> due = new PriorityQueue<>((a, b) -> Long.compare(a.deadline - b.deadline, 0));
        while (running) {
            for (Timed added; (added = incoming.poll()) != null; ) {
                if (!added.cancelled) {
                    due.add(added);
                }
            }
            if (cancelled.get() > 64 && cancelled.get() > due.size() / 2) {
                cancelled.set(0);
                due.removeIf(timed -> timed.cancelled);
            }
            long now = System.nanoTime();
            Timed head;
            while ((head = due.peek()) != null && head.deadline - now <= 0) {
                due.poll();
                head.run();
            }
            long wait = head == null ? IDLE_PARK_NANOS : Math.min(IDLE_PARK_NANOS, head.deadline - now);
            nextWake = now + wait;
            sleeping = true;
            if (incoming.isEmpty() && running) {
                LockSupport.parkNanos(this, wait);
            }
            sleeping = false;
        }
    }

    /** Stops the timer thread; tasks not yet run are dropped. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(timer);
    }

    private final class Timed implements Cancellable {
        private final Runnable task;
        private final long deadline;
        private volatile boolean cancelled;
        private volatile boolean done;

        Timed(Runnable task, long deadline) {
            this.task = task;
            this.deadline = deadline;
        }

        void run() {
            if (cancelled) {
                return;
            }
            done = true;
            try {
                task.run();
            } catch (Throwable failure) {
                LOG.error("Sluice timer task failed", failure);
            }
        }

        @Override
        public void cancel() {
            if (!cancelled && !done) {
                cancelled = true;
                SystemScheduler.this.cancelled.incrementAndGet();
            }
        }
    }
}
