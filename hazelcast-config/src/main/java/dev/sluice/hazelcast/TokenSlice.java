package dev.sluice.hazelcast;

import dev.sluice.core.spi.BucketConfigurations;
import dev.sluice.core.spi.RateOutcome;
import io.github.bucket4j.VerboseResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What one node holds of one cluster bucket: tokens it has taken from the bucket ahead of need (its <em>lead</em>),
 * and the requests waiting for the take in flight. {@link ClusterBuckets} drives it; every method must be called
 * holding this object's monitor, and no future is completed inside it.
 *
 * <p><b>Why it is exact.</b> Every token a request is given was first consumed from the cluster bucket, so a node
 * can never admit more than the bucket allows: the upper bound is the bucket's. What a lead can cost is tokens held
 * here while another node is refused; the lead is sized from the rate this node has itself been admitting, over
 * {@value #LEAD_MILLIS} ms, so all nodes together hold at most about {@value #LEAD_MILLIS} ms of the cluster's
 * admitted rate (0.5 % of a second's refill), further capped per node by {@link ClusterBuckets}' share of the
 * policy; and tokens left unused for {@value #IDLE_MILLIS} ms go back to the bucket. A key that sees one request
 * now and then never takes more than it needs, so it costs one cluster call per request as without slices, and
 * never a give-back.
 */
final class TokenSlice {
    static final long LEAD_MILLIS = 5;
    static final long IDLE_MILLIS = 20;
    static final long IDLE_NANOS = IDLE_MILLIS * 1_000_000L;
    private static final long LEAD_NANOS = LEAD_MILLIS * 1_000_000L;
    /** The shortest interval over which the admitted rate is measured. */
    private static final long MIN_WINDOW_NANOS = 1_000_000L;

    /** A request waiting for a take; {@code asked} once a take in flight includes its cost. */
    static final class Pending {
        final long cost;
        final long maxWaitNanos;
        /** The request's flow in a fair queue, or null. */
        final String flow;
        final CompletableFuture<RateOutcome> result = new CompletableFuture<>();
        boolean asked;

        Pending(long cost, long maxWaitNanos, String flow) {
            this.cost = cost;
            this.maxWaitNanos = maxWaitNanos;
            this.flow = flow;
        }
    }

    /** A request a take served, with its answer. */
    record Served(Pending pending, RateOutcome outcome) {
    }

    /** The outcome of a take: requests served and asked requests it could not serve. */
    record Settlement(List<Served> served, List<Pending> unserved) {
    }

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private long tokens;
    private boolean fetching;
    /** Given back: a request that finds it so takes a new slice. */
    boolean retired;
    private long lastUse;
    private long windowStart;
    private long handedInWindow;
    private double admittedPerNano;
    /** The cluster bucket's band closest to exhaustion, as the last take left it. */
    private BucketConfigurations.Band clusterBand = new BucketConfigurations.Band(BucketConfigurations.RATE, 0, 0);

    TokenSlice(long now) {
        this.lastUse = now;
        this.windowStart = now;
    }

    /** Serves {@code cost} from the lead when it suffices and no one waits ahead; else null. */
    RateOutcome take(long cost, long now) {
        lastUse = now;
        if (!pending.isEmpty() || tokens < cost) {
            return null;
        }
        tokens -= cost;
        handedInWindow += cost;
        return served();
    }

    /** A consumed outcome: the tokens this node holds count as left in every band of the cluster bucket. */
    private RateOutcome served() {
        BucketConfigurations.Band band = clusterBand;
        return RateOutcome.consumed(new BucketConfigurations.Band(band.id(), band.remaining() + tokens,
                band.nanosToReset()));
    }

    Pending enqueue(long cost, long maxWaitNanos, String flow) {
        Pending waiting = new Pending(cost, maxWaitNanos, flow);
        pending.add(waiting);
        return waiting;
    }

    /** True when the caller must start a take: none is in flight. */
    boolean startFetch() {
        if (fetching) {
            return false;
        }
        fetching = true;
        return true;
    }

    /** Marks the waiting requests as asked for; returns the tokens they need. */
    long markAsked() {
        long need = 0;
        for (Pending waiting : pending) {
            waiting.asked = true;
            need += waiting.cost;
        }
        return need;
    }

    /** How many tokens to take beyond the need: {@value #LEAD_MILLIS} ms at the rate admitted here, at most cap. */
    long lead(long now, long cap) {
        long elapsed = now - windowStart;
        if (elapsed >= MIN_WINDOW_NANOS) {
            admittedPerNano = (double) handedInWindow / elapsed;
            handedInWindow = 0;
            windowStart = now;
        }
        return (long) Math.min(cap, admittedPerNano * LEAD_NANOS);
    }

    /** Adds what the take got and serves the waiting requests in order, as far as the tokens go. */
    Settlement settle(VerboseResult<Long> taken) {
        tokens += taken.getValue();
        clusterBand = BucketConfigurations.closestBand(taken, 0);
        List<Served> served = new ArrayList<>();
        List<Pending> unserved = new ArrayList<>();
        Iterator<Pending> line = pending.iterator();
        while (line.hasNext()) {
            Pending waiting = line.next();
            if (waiting.result.isDone()) {
                line.remove();   // its client went away before the answer
            } else if (tokens >= waiting.cost) {
                tokens -= waiting.cost;
                handedInWindow += waiting.cost;
                line.remove();
                served.add(new Served(waiting, served()));
            } else if (waiting.asked) {
                line.remove();
                unserved.add(waiting);
            } else {
                break;   // arrived during the take: it waits for the next, in order
            }
        }
        return new Settlement(served, unserved);
    }

    /** The take failed: the requests it was for leave the line, to fail with it. */
    List<Pending> failAsked() {
        List<Pending> failed = new ArrayList<>();
        pending.removeIf(waiting -> {
            if (waiting.asked) {
                failed.add(waiting);
                return true;
            }
            return false;
        });
        return failed;
    }

    /** Ends a take; true when requests arrived meanwhile, and the caller must start the next take for them. */
    boolean continueFetching() {
        fetching = !pending.isEmpty();
        return fetching;
    }

    /**
     * Retires the slice if it has been idle for {@value #IDLE_MILLIS} ms with nothing in flight; returns the tokens
     * to give back, or -1 when it stays.
     */
    long retireIfIdle(long now) {
        if (fetching || !pending.isEmpty() || now - lastUse < IDLE_NANOS) {
            return -1;
        }
        return retire();
    }

    /** Retires the slice at once; returns its tokens. Requests still waiting are the caller's to complete. */
    long retire() {
        retired = true;
        long held = tokens;
        tokens = 0;
        return held;
    }

    /** Requests waiting here, removed from the line. */
    List<Pending> drain() {
        List<Pending> drained = new ArrayList<>(pending);
        pending.clear();
        return drained;
    }

    long tokens() {
        return tokens;
    }

    int waiting() {
        return pending.size();
    }
}
