package dev.sluice.hazelcast;

import com.hazelcast.map.IMap;
import dev.sluice.core.Reason;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.Ticker;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests waiting on this node in the fair lines of a cluster rate queue with {@code fair-by}: each reserved
 * its tokens in the bucket ({@link DeficitQueue}) and joined the key's {@link RateLine}, which says when its turn
 * is. Its timer fires then and <em>claims</em> the turn: the line admits it if its units are due, or answers a later
 * time (a request of a lighter flow arrived since, on any node, and went ahead), when the timer fires again. A
 * waiter whose turn has moved beyond its max-wait is refused with {@code queue-timeout} when it learns so, and gives
 * its tokens back. Nothing is pushed between nodes: every node learns its waiters' turns when it claims them.
 *
 * <p><b>Without the line.</b> If the line cannot be reached when a waiter claims (the cluster call fails) or no longer
 * knows the waiter (its entry was lost with a partition and its backup, or dropped in a merge), the waiter leaves at
 * the time its own reservation falls due, as a first-in-first-out waiter does; its turn in the line may have gone to
 * another waiter, so in that case, and only then, one request's cost may pass early.
 *
 * <p><b>Live changes.</b> {@link #rebalance} gives this node's reservations back, reserves them again under the new
 * configuration and moves the line's units to match ({@link RateLineOps.Reslot}), so a faster rate releases the line
 * sooner and a slower one later. It passes by a waiter whose join the line has not answered yet (the line could not
 * move units it does not hold): once it is in its line, its joiner moves it if its reservation predates the change.
 *
 * <p>A waiter's state is guarded by the waiter. Thread-safe; never blocks.
 */
final class FairRateWaiters {
    private static final Logger LOG = LoggerFactory.getLogger(FairRateWaiters.class);

    private final Scheduler scheduler;
    final Ticker clock;
    final ClusterCalls calls;
    final IMap<String, RateLine> lines;
    final String prefix;
    final BiConsumer<AsyncBucketProxy, Long> giveBack;
    private final WaitersByKey<Waiter> waiting = new WaitersByKey<>(waiter -> waiter.start);

    /**
     * @param scheduler runs the waiters' timers
     * @param clock     the cluster's "now" ({@link ClusterClock}): every time kept in a line is on it, so that the
     *                  nodes' times compare
     */
    FairRateWaiters(Scheduler scheduler, Ticker clock, ClusterCalls calls, IMap<String, RateLine> lines,
            String prefix, BiConsumer<AsyncBucketProxy, Long> giveBack) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.calls = calls;
        this.lines = lines;
        this.prefix = prefix;
        this.giveBack = giveBack;
    }

    /**
     * A request that reserved {@code cost} tokens, due in {@code reservedWait}, joins the key's line in {@code flow}.
     * Refused at once with {@code queue-full} when its flow holds all its places, and with {@code tooLate}'s answer
     * when its turn in the line is later than it may wait; either gives the tokens back.
     *
     * @param tooLate the refusal for a request whose turn is beyond its max-wait, given that wait
     * @param lined   run once the line holds the request and it waits for its turn: from then on a rebalance moves
     *                it (until then a rebalance passes it by, as the line could not move its units yet)
     */
    void join(String key, AsyncBucketProxy bucket, Flow flow, long cost, long reservedWait, long maxWaitNanos,
            CompletableFuture<RateOutcome> caller, BiConsumer<Long, CompletableFuture<RateOutcome>> tooLate,
            Runnable lined) {
        long now = clock.nanos();
        Waiter waiter = new Waiter(key, bucket, cost, now, now + maxWaitNanos, now + reservedWait, caller);
        waiting.add(key, waiter);
        caller.whenComplete((outcome, failure) -> {
            if (caller.isCancelled() && waiter.finish()) {
                leave(waiter);
            }
        });
        RateLineOps.Join join = new RateLineOps.Join(now, waiter.id, flow, cost, waiter.reservedDue, waiter.deadline);
        calls.onKey(lines, prefix + key, join, (late, lateFailure) -> {
            if (late != null && late.code() == RateLineOps.Code.QUEUED) {
                leaveLine(waiter);   // joined after the request was failed without it
            }
        }).whenComplete((joined, failure) -> {
            long at = clock.nanos();
            if (failure != null) {
                if (waiter.finish()) {
                    giveBackHeld(waiter);
                    caller.completeExceptionally(failure);
                }
            } else if (joined.code() == RateLineOps.Code.FLOW_FULL) {
                if (waiter.finish()) {
                    giveBackHeld(waiter);
                    caller.complete(RateOutcome.refused(Reason.QUEUE_FULL, 0, 0, Math.max(1, joined.due() - at)));
                }
            } else if (joined.due() > waiter.deadline) {
                if (waiter.finish()) {
                    leave(waiter);
                    tooLate.accept(joined.due() - at, caller);
                }
            } else if (waiter.lined(joined.due())) {
                lined.run();
            } else {
                leaveLine(waiter);   // it left (cancelled) before the line held it: make sure the line lets go
            }
        });
    }

    /**
     * Takes this node's waiters' reservations again under the configuration of {@code proxies}, key by key (only
     * {@code onlyKey}'s when it is not null), and moves their lines' units to match ({@link FairRateRebalance}).
     * Waiters whose line has not answered their join yet are passed by.
     */
    CompletableFuture<Void> rebalance(String onlyKey, Function<String, AsyncBucketProxy> proxies,
            LongUnaryOperator depthBound) {
        return new FairRateRebalance(this, onlyKey, proxies, depthBound).run();
    }

    /** Refuses a waiter still in the line: it leaves it and gives its tokens back. */
    void refuse(Waiter waiter, Reason reason, long retryNanos) {
        if (waiter.finish()) {
            leave(waiter);
            waiter.caller.complete(RateOutcome.refused(reason, 0, 0, Math.max(1, retryNanos))
                    .withWaited(clock.nanos() - waiter.start));
        }
    }

    /** The waiter (finished here) leaves its line, and the tokens it holds go back to the bucket. */
    private void leave(Waiter waiter) {
        leaveLine(waiter);
        giveBackHeld(waiter);
    }

    private void giveBackHeld(Waiter waiter) {
        if (waiter.release()) {
            giveBack.accept(waiter.bucket, waiter.cost);
        }
    }

    void leaveLine(Waiter waiter) {
        calls.background(lines, prefix + waiter.key, new RateLineOps.Leave(clock.nanos(), waiter.id))
                .whenComplete((left, failure) -> {
                    if (failure != null) {
                        LOG.debug("Could not take a waiter out of the line of {}{} ({}); it is dropped after its "
                                + "deadline", prefix, waiter.key, failure.toString());
                    }
                });
    }

    /** This node's waiters, by key. */
    WaitersByKey<Waiter> waiting() {
        return waiting;
    }

    /**
     * Takes the key's waiters off this node, out of their line with their units (the caller decides their outcome
     * and, with {@code giveTokensBack}, their tokens go back to the bucket).
     */
    List<Waiter> drain(String key, boolean giveTokensBack) {
        List<Waiter> drained = new ArrayList<>();
        for (Waiter waiter : waiting.of(key)) {
            if (waiter.finish()) {
                drained.add(waiter);
                if (giveTokensBack) {
                    leave(waiter);
                } else {
                    leaveLine(waiter);
                }
            }
        }
        return drained;
    }

    /** A request waiting on this node for its turn in a fair line; finished exactly once. Guarded by itself. */
    final class Waiter {
        final long id = ThreadLocalRandom.current().nextLong();
        final String key;
        final long cost;
        final long start;
        final long deadline;
        final CompletableFuture<RateOutcome> caller;
        volatile AsyncBucketProxy bucket;
        volatile long reservedDue;
        volatile long due;
        private boolean finished;
        private boolean reserved = true;
        private int generation;
        /** Set once the line has answered the waiter's join ({@link #lined}): only then can a rebalance move it. */
        private Scheduler.Cancellable timer = Scheduler.Cancellable.NONE;

        Waiter(String key, AsyncBucketProxy bucket, long cost, long start, long deadline, long reservedDue,
                CompletableFuture<RateOutcome> caller) {
            this.key = key;
            this.bucket = bucket;
            this.cost = cost;
            this.start = start;
            this.deadline = deadline;
            this.reservedDue = reservedDue;
            this.due = reservedDue;
            this.caller = caller;
        }

        synchronized int generation() {
            return generation;
        }

        synchronized boolean finished() {
            return finished;
        }

        /**
         * Waits until {@code turn} (cluster time) and claims it then; {@code unlined}: the line does not hold this
         * waiter, which leaves at that time without asking. False, and nothing done, when the waiter is finished or
         * a rebalance has begun since generation {@code asOf}.
         */
        synchronized boolean schedule(long turn, int asOf, boolean unlined) {
            if (finished || asOf != generation) {
                return false;
            }
            timer.cancel();
            due = turn;
            int mine = generation;
            long now = clock.nanos();
            // the line's answer may rest on another node's units from before a live change that node has not
            // applied yet: the waiter asks again when its own reservation falls due, if that is sooner
            long ask = !unlined && reservedDue > now && reservedDue < turn ? reservedDue : turn;
            long wait = Math.max(0, ask - now);
            Runnable fire = unlined ? () -> admitUnlined(mine) : () -> claim(mine);
            timer = scheduler.schedule(fire, wait);
            if (wait > 0 && clock.nanos() >= ask) {
                // the clock passed the moment while the timer was being set (a pause, or a test's manual clock
                // moved by another thread): the timer would fire a whole wait late, so it fires now
                timer.cancel();
                timer = scheduler.schedule(fire, 0);
            }
            return true;
        }

        /**
         * The line holds the waiter, whose turn is {@code turn}: it waits for it. False when the waiter is finished
         * (it left before the line held it).
         */
        synchronized boolean lined(long turn) {
            return schedule(turn, generation, false);
        }

        /**
         * Stops the timer for a rebalance and gives up the reservation: the tokens it held (0 if none), or -1 when
         * the waiter is finished or its line has not answered its join yet (whoever joins it follows a change made
         * meanwhile). The waiter's generation moves on.
         */
        synchronized long suspend() {
            if (finished || timer == Scheduler.Cancellable.NONE) {
                return -1;
            }
            generation++;
            timer.cancel();
            long held = reserved ? cost : 0;
            reserved = false;
            return held;
        }

        /** Holds the reservation a rebalance took; false when the waiter is finished (the tokens go back). */
        synchronized boolean reserveAgain(AsyncBucketProxy to, long dueAt) {
            if (finished) {
                return false;
            }
            bucket = to;
            reservedDue = dueAt;
            reserved = true;
            return true;
        }

        /** Gives up the reservation: true when the waiter held one (its tokens are the caller's to give back). */
        synchronized boolean release() {
            boolean held = reserved;
            reserved = false;
            return held;
        }

        private void claim(int asOf) {
            synchronized (this) {
                if (finished || asOf != generation) {
                    return;
                }
            }
            long now = clock.nanos();
            calls.onKey(lines, prefix + key, new RateLineOps.Claim(now, id)).whenComplete((claimed, failure) -> {
                if (failure == null && claimed.code() == RateLineOps.Code.ADMITTED) {
                    admit();   // the line gave this waiter its units, whatever happened here since
                } else if (generation() != asOf) {
                    return;   // a rebalance has begun: it gives the waiter its new turn
                } else if (failure == null && claimed.code() == RateLineOps.Code.WAIT) {
                    if (claimed.due() > deadline) {
                        refuse(this, Reason.QUEUE_TIMEOUT, claimed.due() - deadline);
                    } else {
                        schedule(claimed.due(), asOf, false);
                    }
                } else {
                    schedule(reservedDue, asOf, true);   // the line cannot say: the reservation's own time
                }
            });
        }

        private void admitUnlined(int asOf) {
            synchronized (this) {
                if (asOf != generation) {
                    return;
                }
            }
            admit();
        }

        private void admit() {
            if (finish() && !caller.complete(RateOutcome.consumed(0, 0)
                    .withWaited(clock.nanos() - start))) {
                giveBackHeld(this);   // cancelled meanwhile: another request may have the tokens
            }
        }

        /** Takes the waiter off this node; true only for the first caller. */
        synchronized boolean finish() {
            if (finished) {
                return false;
            }
            finished = true;
            timer.cancel();
            waiting.remove(key, this);
            return true;
        }
    }
}
