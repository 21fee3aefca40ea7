package dev.sluice.core.spi;

/**
 * Permits held by one request. {@link #release()} gives them back exactly once: it is idempotent and safe to call
 * from any thread, any number of times.
 */
@FunctionalInterface
public interface Lease {
    /** A lease that holds nothing. */
    Lease NONE = () -> { };

    void release();
}
