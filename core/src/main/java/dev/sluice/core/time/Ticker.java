package dev.sluice.core.time;

/** A monotonic clock in nanoseconds. Implementations are thread-safe. */
@FunctionalInterface
public interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    long nanos();
}
