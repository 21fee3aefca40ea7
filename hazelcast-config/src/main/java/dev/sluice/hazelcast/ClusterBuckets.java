package dev.sluice.hazelcast;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.core.Reason;
import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.BucketConfigurations;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.core.time.Scheduler;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One policy's buckets in the cluster: Bucket4j's entry-processor proxy manager over an IMap, asynchronous, with a
 * bounded cache of bucket proxies on this node. A live change bumps the configuration version, and Bucket4j replaces
 * each bucket's configuration on its next access, keeping its tokens as is.
 *
 * <p>Queues: a request the bucket refuses reserves its tokens ({@code consumeIgnoringRateLimits}); the reserved
 * deficit across the cluster is the queue, so its depth holds cluster-wide: a reservation whose wait means more
 * than {@code depth} requests ahead, or longer than the wait allowed, is given back and refused.
 */
final class ClusterBuckets {
    private final AsyncProxyManager<String> buckets;
    private final Scheduler scheduler;
    private final String prefix;
    private final Cache<String, AsyncBucketProxy> proxies;
    private final ConcurrentHashMap<String, AtomicInteger> waitingHere = new ConcurrentHashMap<>();
    private volatile Policy policy;
    private volatile BucketConfiguration configuration;
    private volatile long version;

    ClusterBuckets(Policy policy, AsyncProxyManager<String> buckets, Scheduler scheduler, String prefix) {
        this.buckets = buckets;
        this.scheduler = scheduler;
        this.prefix = prefix;
        this.proxies = Caffeine.newBuilder().maximumSize(10_000).expireAfterAccess(Duration.ofMinutes(10)).build();
        this.version = 1;
        apply(policy);
    }

    private void apply(Policy next) {
        this.policy = next;
        this.configuration = BucketConfigurations.of(next);
    }

    void reconfigure(Policy next) {
        apply(next);
        version = Math.max(version + 1, System.currentTimeMillis());
        proxies.invalidateAll();
    }

    private AsyncBucketProxy proxy(String key) {
        return proxies.get(key, k -> buckets.builder()
                .withImplicitConfigurationReplacement(version, TokensInheritanceStrategy.AS_IS)
                .build(prefix + k, () -> CompletableFuture.completedFuture(configuration)));
    }

    CompletableFuture<RateOutcome> consume(String key, long cost, long maxWaitNanos) {
        if (configuration == null) {
            return CompletableFuture.completedFuture(RateOutcome.consumed(0, 0));
        }
        AsyncBucketProxy bucket = proxy(key);
        CompletableFuture<RateOutcome> result = new CompletableFuture<>();
        bucket.tryConsumeAndReturnRemaining(cost).thenCompose(probe -> {
            if (probe.isConsumed()) {
                return CompletableFuture.completedFuture(RateOutcome.consumed(probe.getRemainingTokens(),
                        probe.getNanosToWaitForReset()));
            }
            Policy current = policy;
            if (current.queue() == null || maxWaitNanos <= 0) {
                return refusal(bucket, cost, probe);
            }
            return reserve(key, bucket, cost, maxWaitNanos, current, probe, result);
        }).whenComplete((outcome, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (!result.complete(outcome) && outcome.consumed() && outcome.waitedNanos() == 0) {
                // the caller left while its tokens were being taken: give them back
                bucket.addTokens(cost);
            }
        });
        return result;
    }

    private CompletableFuture<RateOutcome> refusal(AsyncBucketProxy bucket, long cost, ConsumptionProbe probe) {
        int quotaBand = BucketConfigurations.quotaBand(policy);
        if (quotaBand < 0) {
            return CompletableFuture.completedFuture(RateOutcome.refused(Reason.RATE, 0, probe.getNanosToWaitForReset(),
                    Math.max(1, probe.getNanosToWaitForRefill())));
        }
        return bucket.asVerbose().getAvailableTokens().thenApply(result -> RateOutcome.refused(
                result.getState().getCurrentSize(quotaBand) < cost ? Reason.QUOTA : Reason.RATE, 0,
                probe.getNanosToWaitForReset(), Math.max(1, probe.getNanosToWaitForRefill())));
    }

    private CompletableFuture<RateOutcome> reserve(String key, AsyncBucketProxy bucket, long cost, long maxWaitNanos,
            Policy current, ConsumptionProbe probe, CompletableFuture<RateOutcome> result) {
        long nanosPerRequest = current.rate() == null ? Long.MAX_VALUE
                : Math.max(1, cost * current.rate().period().toNanos() / current.rate().limit());
        return bucket.consumeIgnoringRateLimits(cost).thenCompose(wait -> {
            if (wait == Long.MAX_VALUE) {
                return refusal(bucket, cost, probe);
            }
            long ahead = nanosPerRequest == Long.MAX_VALUE ? Long.MAX_VALUE : wait / nanosPerRequest;
            if (wait > maxWaitNanos || ahead > current.queue().depth()) {
                return bucket.addTokens(cost).thenCompose(ignored -> wait > maxWaitNanos
                        ? refusal(bucket, cost, probe)
                        : CompletableFuture.completedFuture(RateOutcome.refused(Reason.QUEUE_FULL, 0,
                                probe.getNanosToWaitForReset(), wait)));
            }
            return waitFor(key, bucket, cost, wait, result);
        });
    }

    /** Waits for reserved tokens; cancelling {@code caller} leaves the wait and gives the tokens back. */
    private CompletableFuture<RateOutcome> waitFor(String key, AsyncBucketProxy bucket, long cost, long wait,
            CompletableFuture<RateOutcome> caller) {
        CompletableFuture<RateOutcome> due = new CompletableFuture<>();
        AtomicInteger here = waitingHere.computeIfAbsent(key, k -> new AtomicInteger());
        here.incrementAndGet();
        long start = scheduler.ticker().nanos();
        Scheduler.Cancellable timer = scheduler.schedule(() -> {
            here.decrementAndGet();
            if (!due.complete(RateOutcome.consumed(0, 0).withWaited(scheduler.ticker().nanos() - start))) {
                bucket.addTokens(cost);
            }
        }, wait);
        due.whenComplete((outcome, failure) -> {
            if (due.isCancelled()) {
                timer.cancel();
                bucket.addTokens(cost).whenComplete((done, refundFailed) -> here.decrementAndGet());
            }
        });
        caller.whenComplete((outcome, failure) -> {
            if (caller.isCancelled()) {
                due.cancel(false);
            }
        });
        return due;
    }

    long queuedHere(String key) {
        AtomicInteger count = waitingHere.get(key);
        return count == null ? 0 : count.get();
    }

    long queuedHere() {
        return waitingHere.values().stream().mapToLong(AtomicInteger::get).sum();
    }

    /** Tokens left per band, {rate, quota}, -1 for an absent band; null when the bucket does not exist. */
    CompletableFuture<long[]> tokens(String key) {
        Policy current = policy;
        return buckets.getProxyConfiguration(prefix + key).thenCompose(existing -> {
            long rate = current.rate() == null ? -1 : current.rate().burst();
            long quota = current.quota() == null ? -1 : current.quota().limit();
            if (existing.isEmpty() || configuration == null) {
                return CompletableFuture.completedFuture(new long[] {rate, quota, 0});
            }
            int quotaBand = BucketConfigurations.quotaBand(current);
            return proxy(key).asVerbose().getAvailableTokens().thenApply(result -> new long[] {
                current.rate() == null ? -1 : Math.max(0, result.getState().getCurrentSize(0)),
                quotaBand < 0 ? -1 : Math.max(0, result.getState().getCurrentSize(quotaBand)), 1});
        });
    }

    CompletableFuture<Boolean> reset(String key) {
        proxies.invalidate(key);
        return buckets.getProxyConfiguration(prefix + key).thenCompose(existing -> existing.isEmpty()
                ? CompletableFuture.completedFuture(false)
                : buckets.removeProxy(prefix + key).thenApply(ignored -> true));
    }
}
