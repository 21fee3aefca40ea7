package dev.sluice.core.engine;

import dev.sluice.core.Reason;
import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.PolicyLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One policy's meters, created once when the policy is bound so the request path only increments counters:
 * {@code sluice.requests} (tags policy, outcome = admitted | refused | shadow-refused, reason),
 * {@code sluice.queue.wait} (a timer with a percentile histogram of the waits of requests that queued),
 * {@code sluice.backend.failures},
 * and gauges read at scrape time: {@code sluice.queued}, {@code sluice.permits.in.use}, {@code sluice.permits},
 * {@code sluice.queue.oldest} (seconds the longest waiter has waited). In Prometheus text these become
 * {@code sluice_requests_total}, {@code sluice_queue_wait_seconds}, {@code sluice_queued} and so on.
 */
final class PolicyMetrics {
    private static final String REQUESTS = "Requests a policy decided on, by outcome (admitted, refused, shadow-refused) "
            + "and reason";
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Counter admitted;
    private final Map<Reason, Counter> refused = new EnumMap<>(Reason.class);
    private final Map<Reason, Counter> shadowRefused = new EnumMap<>(Reason.class);
    private final Counter backendFailures;
    private final Timer waited;

    PolicyMetrics(MeterRegistry registry, String policy, Supplier<PolicyLimiter> limiter) {
        this.registry = registry;
        this.admitted = keep(Counter.builder("sluice.requests").tag("policy", policy).tag("outcome", "admitted")
                .tag("reason", "none").description(REQUESTS).register(registry));
        for (Reason reason : Reason.values()) {
            refused.put(reason, keep(Counter.builder("sluice.requests").tag("policy", policy)
                    .tag("outcome", "refused").tag("reason", reason.wire()).description(REQUESTS)
                    .register(registry)));
            shadowRefused.put(reason, keep(Counter.builder("sluice.requests").tag("policy", policy)
                    .tag("outcome", "shadow-refused").tag("reason", reason.wire()).description(REQUESTS)
                    .register(registry)));
        }
        this.backendFailures = keep(Counter.builder("sluice.backend.failures").tag("policy", policy)
                .description("Decisions taken by the on-backend-failure rule").register(registry));
        // a percentile histogram (Prometheus: histogram_quantile(0.99, ...) over the buckets, aggregatable across
        // nodes) and this node's p99 for the management API's live figures
        this.waited = keep(Timer.builder("sluice.queue.wait").tag("policy", policy)
                .description("Time requests spent waiting in the policy's queue before they were admitted or refused")
                .publishPercentileHistogram().publishPercentiles(0.99)
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry));
        keep(Gauge.builder("sluice.queued", limiter, l -> l.get().stats().queued()).tag("policy", policy)
                .description("Requests waiting now").register(registry));
        keep(Gauge.builder("sluice.permits.in.use", limiter, l -> l.get().stats().permitsInUse())
                .tag("policy", policy).description("Concurrency permits held now").register(registry));
        keep(Gauge.builder("sluice.permits", limiter, l -> fullCount(l.get().policy())).tag("policy", policy)
                .description("The full concurrency count").register(registry));
        keep(Gauge.builder("sluice.queue.oldest", limiter, l -> l.get().stats().oldestWaiterNanos() / 1e9)
                .tag("policy", policy).baseUnit("seconds").description("How long the longest waiter has waited")
                .register(registry));
    }

    private static double fullCount(Policy policy) {
        return policy.concurrency() == null ? 0 : policy.concurrency().permits();
    }

    private <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
    }

    void admitted() {
        admitted.increment();
    }

    void refused(Reason reason, boolean shadow) {
        (shadow ? shadowRefused : refused).get(reason).increment();
    }

    void waited(long nanos) {
        waited.record(nanos, TimeUnit.NANOSECONDS);
    }

    long queueWaitP99Nanos() {
        for (ValueAtPercentile value : waited.takeSnapshot().percentileValues()) {
            if (value.percentile() == 0.99) {
                return (long) value.value(TimeUnit.NANOSECONDS);
            }
        }
        return 0;
    }

    long shadowRefusedCount() {
        double total = 0;
        for (Counter counter : shadowRefused.values()) {
            total += counter.count();
        }
        return (long) total;
    }

    void backendFailure() {
        backendFailures.increment();
    }

    long admittedCount() {
        return (long) admitted.count();
    }

    long refusedCount() {
        double total = 0;
        for (Counter counter : refused.values()) {
            total += counter.count();
        }
        return (long) total;
    }

    Map<String, Long> refusedByReason() {
        Map<String, Long> counts = new java.util.LinkedHashMap<>();
        for (Map.Entry<Reason, Counter> entry : refused.entrySet()) {
            counts.put(entry.getKey().wire(), (long) entry.getValue().count());
        }
        return counts;
    }

    void remove() {
        for (Meter meter : meters) {
            registry.remove(meter);
        }
    }
}
