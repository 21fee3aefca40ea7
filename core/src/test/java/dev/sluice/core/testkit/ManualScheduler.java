package dev.sluice.core.testkit;

import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.Ticker;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Scheduler} whose time moves only when a test says so. {@link #advance} runs due tasks on the calling
 * thread, in due order, with the clock set to each task's due time. Thread-safe: other threads may schedule and
 * read the clock while a test advances it.
 */
public final class ManualScheduler implements Scheduler {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long sequence;

    @Override
    public Cancellable schedule(Runnable runnable, long delayNanos) {
        synchronized (tasks) {
            Task task = new Task(now.get() + Math.max(0, delayNanos), sequence++, runnable);
            tasks.add(task);
            return () -> {
                synchronized (tasks) {
                    tasks.remove(task);
                }
            };
        }
    }

    @Override
    public Ticker ticker() {
        return now::get;
    }

    /** The current time in nanoseconds. */
    public long nanos() {
        return now.get();
    }

    /** Moves the clock forward by {@code duration}, running every task that falls due on the way. */
    public void advance(Duration duration) {
        long target = now.get() + duration.toNanos();
        while (true) {
            Task next;
            synchronized (tasks) {
                next = tasks.peek();
                if (next == null || next.due > target) {
                    break;
                }
                tasks.poll();
            }
            now.accumulateAndGet(next.due, Math::max);
            next.runnable.run();
        }
        now.accumulateAndGet(target, Math::max);
    }

    /** Runs the tasks already due without moving the clock. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** How many tasks wait to run. */
    public int pending() {
        synchronized (tasks) {
            return tasks.size();
        }
    }

    private record Task(long due, long sequence, Runnable runnable) implements Comparable<Task> {
        @Override
        public int compareTo(Task other) {
            int byDue = Long.compare(due, other.due);
            return byDue != 0 ? byDue : Long.compare(sequence, other.sequence);
        }
    }
}
