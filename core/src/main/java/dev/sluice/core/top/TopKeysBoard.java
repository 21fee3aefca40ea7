package dev.sluice.core.top;

import dev.sluice.core.spi.SketchExchange;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers top-keys reads over the whole cluster: this node's live sketches merged, at read time, with the latest
 * snapshot every other node published in the {@link SketchExchange}. Without an exchange (no cluster) it answers
 * from this node alone.
 *
 * <p>Every {@code interval} this node publishes a snapshot of each policy that counted something in the last ten
 * minutes (and withdraws it once nothing is left), on a daemon thread of its own (started only with an exchange),
 * so that building snapshots never delays the queues' timers; the writes to the cluster are asynchronous. Other nodes'
 * figures are therefore up to one interval old; this node's are current. A node that stops publishing drops out when
 * its snapshots expire ({@link SketchExchange#expiryMillis()}). Thread-safe.
 */
public final class TopKeysBoard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopKeysBoard.class);

    private final SketchExchange exchange;
    private final Supplier<Map<String, KeySketches>> live;
    private final Set<String> published = new HashSet<>();
    private final ScheduledExecutorService timer;

    /**
     * @param exchange where nodes meet, or null (no cluster)
     * @param live     the policies' sketches on this node, by name
     */
    public TopKeysBoard(SketchExchange exchange, Supplier<Map<String, KeySketches>> live, long intervalNanos) {
        this.exchange = exchange;
        this.live = live;
        if (exchange == null) {
            timer = null;
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sluice-top-keys");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::publishQuietly, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    }

    private void publishQuietly() {
        try {
            publish();
        } catch (RuntimeException failure) {
            LOG.warn("Sluice could not publish its top-keys sketches; the next round retries", failure);
        }
    }

    /** Publishes every policy's snapshot now (the timer does this every interval). */
    public synchronized void publish() {
        if (exchange == null) {
            return;
        }
        Set<String> now = new HashSet<>();
        for (Map.Entry<String, KeySketches> entry : live.get().entrySet()) {
            if (!entry.getValue().isEmpty()) {
                exchange.publish(entry.getKey(), entry.getValue().snapshot());
                now.add(entry.getKey());
            }
        }
        for (String gone : published) {
            if (!now.contains(gone)) {
                exchange.withdraw(gone);
            }
        }
        published.clear();
        published.addAll(now);
    }

    /**
     * The top {@code limit} keys of {@code policy}, merged over the cluster. Fails when the exchange cannot be read
     * (the cluster does not answer).
     *
     * @param local        this node's sketches of the policy
     * @param thisNodeOnly answer from {@code local} alone
     */
    public CompletableFuture<TopAnswer> read(String policy, KeySketches local, Outcome outcome, Window window,
            int limit, boolean thisNodeOnly) {
        Tally merged = new Tally();
        merged.add(local.window(outcome, window));
        if (exchange == null || thisNodeOnly) {
            return CompletableFuture.completedFuture(answer(policy, outcome, window, 1, merged, limit));
        }
        String self = exchange.node();
        return exchange.snapshots(policy).thenApply(snapshots -> {
            int nodes = 1;
            for (Map.Entry<String, byte[]> other : snapshots.entrySet()) {
                if (other.getKey().equals(self)) {
                    continue;
                }
                nodes++;
                try {
                    Tally counts = KeySketches.read(other.getValue(), outcome, window);
                    if (counts != null) {
                        merged.add(counts);
                    }
                } catch (IllegalArgumentException malformed) {
                    LOG.warn("Sluice: node {} published an unreadable top-keys snapshot of policy '{}': {}",
                            other.getKey(), policy, malformed.getMessage());
                }
            }
            return answer(policy, outcome, window, nodes, merged, limit);
        });
    }

    private static TopAnswer answer(String policy, Outcome outcome, Window window, int nodes, Tally counts,
            int limit) {
        return new TopAnswer(policy, outcome, window, nodes, List.copyOf(counts.top(limit)));
    }

    /** Stops publishing and withdraws what this node published (should that fail, it expires on its own). */
    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        synchronized (this) {
            if (exchange != null) {
                for (String policy : published) {
                    try {
                        exchange.withdraw(policy);
                    } catch (RuntimeException failure) {
                        LOG.debug("Could not withdraw the top keys of '{}' on close", policy, failure);
                    }
                }
            }
            published.clear();
        }
    }
}
