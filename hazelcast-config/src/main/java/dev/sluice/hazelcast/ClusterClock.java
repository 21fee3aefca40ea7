package dev.sluice.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import dev.sluice.core.time.Ticker;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "now" that every node of a cluster passes into entry processors and Bucket4j commands (the caller's clock,
 * as Bucket4j does), in nanoseconds.
 *
 * <p>A scheduler on {@link System#nanoTime()} ({@link Ticker#SYSTEM}) is converted to cluster time: on a member,
 * Hazelcast's cluster time (the oldest member's clock, which every member estimates from heartbeats) read once at
 * start-up, plus the monotonic time elapsed since, so it never jumps within a node and members whose wall clocks
 * disagree still agree on "now". A difference of more than {@value #SKEW_WARN_MILLIS} ms between this node's wall
 * clock and the cluster's is logged with its size. A client cannot read the cluster time and uses its wall clock,
 * so <b>clients' clocks must be synchronised</b> (NTP): a node whose clock is ahead by d refills a bucket once up to
 * d early (at most its burst) and sees leases expire up to d early; leases are renewed every third of their time,
 * which absorbs skews far below a second. Any other ticker (a test's manual clock) is taken as the cluster clock as
 * it is, so tests give every node the same one and move time by hand.
 */
final class ClusterClock {
    static final long SKEW_WARN_MILLIS = 100;
    private static final Logger LOG = LoggerFactory.getLogger(ClusterClock.class);

    private ClusterClock() {}

    static Ticker of(Ticker schedulerTicker) {
        return of(schedulerTicker, null);
    }

    static Ticker of(Ticker schedulerTicker, HazelcastInstance hazelcast) {
        if (schedulerTicker != Ticker.SYSTEM) {
            return schedulerTicker;
        }
        Instant wall = Instant.now();
        long anchorNanos = System.nanoTime();
        long wallNanos = wall.getEpochSecond() * 1_000_000_000L + wall.getNano();
        long epochNanos = wallNanos;
        Long clusterMillis = clusterTime(hazelcast);
        if (clusterMillis != null) {
            long skewMillis = wall.toEpochMilli() - clusterMillis;
            if (Math.abs(skewMillis) > SKEW_WARN_MILLIS) {
                LOG.warn("This node's clock is {} ms {} the Hazelcast cluster's; Sluice uses the cluster's time for "
                        + "its limits, but check NTP on this host", Math.abs(skewMillis),
                        skewMillis > 0 ? "ahead of" : "behind");
            } else {
                LOG.debug("This node's clock is {} ms off the cluster's", skewMillis);
            }
            epochNanos = wallNanos - skewMillis * 1_000_000L;
        }
        long epoch = epochNanos;
        return () -> epoch + (System.nanoTime() - anchorNanos);
    }

    private static Long clusterTime(HazelcastInstance hazelcast) {
        if (hazelcast == null) {
            return null;
        }
        try {
            return hazelcast.getCluster().getClusterTime();
        } catch (RuntimeException client) {
            return null;
        }
    }
}
