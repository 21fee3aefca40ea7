package dev.sluice.hazelcast;

import dev.sluice.core.time.Ticker;
import java.time.Instant;

/**
 * The "now" that every node of a cluster passes into entry processors and Bucket4j commands (the caller's clock,
 * as Bucket4j does), in nanoseconds.
 *
 * <p>A scheduler on {@link System#nanoTime()} ({@link Ticker#SYSTEM}) is converted to wall-clock time: the epoch
 * time read once at start-up plus the monotonic time elapsed since, so it never jumps within a node. Nodes compare
 * these values, so in production <b>the members' clocks must be roughly synchronised</b> (NTP): a node whose clock
 * is ahead by d refills buckets up to d early once and sees leases expire up to d early; leases are renewed every
 * third of their time, which absorbs skews far below a second. Any other ticker (a test's manual clock) is taken as
 * the cluster clock as it is, so tests give every node the same one and move time by hand.
 */
final class ClusterClock {
    private ClusterClock() {}

    static Ticker of(Ticker schedulerTicker) {
        if (schedulerTicker != Ticker.SYSTEM) {
            return schedulerTicker;
        }
        Instant anchor = Instant.now();
        long anchorNanos = System.nanoTime();
        long epochNanos = anchor.getEpochSecond() * 1_000_000_000L + anchor.getNano();
        return () -> epochNanos + (System.nanoTime() - anchorNanos);
    }
}
