package dev.sluice.core.time;

/**
 * Runs tasks after a delay on a shared timer, so that waiting requests cost no thread each. Tasks must be short
 * and must not block: they complete futures, they do not serve requests. Thread-safe.
 */
public interface Scheduler {
    /**
     * Runs {@code task} once, {@code delayNanos} from now on this scheduler's {@link #ticker()}.
     *
     * @return a handle whose {@link Cancellable#cancel()} prevents the task if it has not started
     */
    Cancellable schedule(Runnable task, long delayNanos);

    /** The clock this scheduler measures delays on. */
    Ticker ticker();

    /** A scheduled task that can be called off. */
    @FunctionalInterface
    interface Cancellable {
        Cancellable NONE = () -> { };

        /** Idempotent; does nothing once the task has run. */
        void cancel();
    }
}
