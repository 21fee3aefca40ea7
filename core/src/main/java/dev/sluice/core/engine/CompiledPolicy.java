package dev.sluice.core.engine;

import dev.sluice.core.Reason;
import dev.sluice.core.RequestView;
import dev.sluice.core.config.MissingKey;
import dev.sluice.core.config.Policy;
import dev.sluice.core.key.ClientAddress;
import dev.sluice.core.key.KeyResolver;
import dev.sluice.core.spi.BucketConfigurations;
import dev.sluice.core.spi.RateOutcome;
import dev.sluice.core.spi.VersionedPolicy;
import java.time.Duration;

/**
 * One version of a policy, prepared for the request path: patterns parsed, key resolver built, header texts
 * rendered once. Immutable.
 */
final class CompiledPolicy {
    final VersionedPolicy versioned;
    /** The policy as configured. */
    final Policy definition;
    final String name;
    final Binding binding;
    final KeyResolver key;
    final boolean limitsRate;
    final boolean limitsConcurrency;
    final long maxWaitNanos;
    /** The {@code RateLimit-Policy} items of this policy, or null when it sends no IETF headers. */
    final String ietfPolicy;
    final MatchRule match;
    private final String costHeader;
    private final long costFixed;
    /** Names a request's flow in a fair queue; null for a FIFO queue. */
    private final KeyResolver fairBy;
    private final long costMax;

    CompiledPolicy(VersionedPolicy versioned, Binding binding, ClientAddress clientAddress) {
        this.versioned = versioned;
        this.definition = versioned.policy();
        this.name = definition.name();
        this.binding = binding;
        this.key = new KeyResolver(definition.key(), clientAddress);
        this.fairBy = definition.queue() != null && definition.queue().fair()
                ? new KeyResolver(definition.queue().fairBy(), clientAddress) : null;
        this.limitsRate = definition.rate() != null || definition.quota() != null;
        this.limitsConcurrency = definition.concurrency() != null;
        this.maxWaitNanos = definition.queue() == null || definition.shadow() ? 0
                : definition.queue().maxWait().toNanos();
        this.match = new MatchRule(definition.match());
        this.costHeader = definition.cost().header();
        this.costFixed = definition.cost().fixed();
        this.costMax = definition.cost().max();
        this.ietfPolicy = definition.headers().ietf() && limitsRate ? ietfPolicyItems(definition) : null;
    }

    boolean matches(RequestView request) {
        return match.matches(request);
    }

    /**
     * The request's key under the policy's missing-key rule, the same for every way of admitting: the resolved key;
     * {@link KeyResolver#GLOBAL} when it is missing and the rule is {@code global}; null when it is missing and the
     * rule is {@code skip} or {@code reject}. A shadow policy's {@code reject} is counted here as a shadow refusal
     * and the policy does not apply; otherwise {@link #refusesMissingKey} tells the caller to refuse.
     */
    String keyOf(RequestView request) {
        String resolved = key.resolve(request);
        if (resolved != null) {
            return resolved;
        }
        MissingKey rule = definition.missingKey();
        if (rule == MissingKey.SKIP) {
            return null;
        }
        if (rule == MissingKey.REJECT) {
            if (definition.shadow()) {
                binding.metrics.refused(Reason.BAD_KEY, true);
            }
            return null;
        }
        return KeyResolver.GLOBAL;
    }

    /** Whether a request without a key is refused ({@code bad-key}): rule {@code reject}, not in shadow mode. */
    boolean refusesMissingKey() {
        return definition.missingKey() == MissingKey.REJECT && !definition.shadow();
    }

    /** The request's cost: the constant, or the cost header clamped to [1, max] (the constant when unusable). */
    long cost(RequestView request) {
        if (costHeader == null) {
            return costFixed;
        }
        String text = request.header(costHeader);
        if (text == null || text.isEmpty() || text.length() > 18) {
            return costFixed;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return costFixed;
            }
            value = value * 10 + (c - '0');
        }
        return Math.max(1, Math.min(costMax, value));
    }

    /**
     * The band an outcome's figures describe: the one it names, else the refusing band, else the rate (the quota
     * when there is no rate). A band a live change removed falls back the same way.
     */
    String band(RateOutcome outcome) {
        String band = outcome.band();
        if (band == null && !outcome.consumed()) {
            band = outcome.reason() == Reason.QUOTA ? BucketConfigurations.QUOTA : BucketConfigurations.RATE;
        }
        if (BucketConfigurations.QUOTA.equals(band) && definition.quota() != null) {
            return BucketConfigurations.QUOTA;
        }
        return definition.rate() != null ? BucketConfigurations.RATE : BucketConfigurations.QUOTA;
    }

    /** The name of a band's {@code RateLimit-Policy} item. */
    String bandName(String band) {
        return BucketConfigurations.QUOTA.equals(band) ? name + "-quota" : name;
    }

    /** A band's limit for the legacy headers: the rate's burst or the quota's limit. */
    long bandLimit(String band) {
        return BucketConfigurations.QUOTA.equals(band) ? definition.quota().limit() : definition.rate().burst();
    }

    private static String ietfPolicyItems(Policy policy) {
        StringBuilder items = new StringBuilder();
        if (policy.rate() != null) {
            appendItem(items, policy.name(), policy.rate().limit(), policy.rate().period());
        }
        if (policy.quota() != null) {
            if (items.length() > 0) {
                items.append(", ");
            }
            appendItem(items, policy.name() + "-quota", policy.quota().limit(), policy.quota().period());
        }
        return items.toString();
    }

    /** {@code "name";q=quota;w=window}, the window in whole seconds (sub-second periods are scaled to 1s). */
    private static void appendItem(StringBuilder into, String name, long limit, Duration period) {
        long millis = period.toMillis();
        long quota = limit;
        long window;
        if (millis < 1000) {
            quota = Math.max(1, limit * 1000 / Math.max(1, millis));
            window = 1;
        } else {
            window = (millis + 999) / 1000;
        }
        into.append('"').append(name).append("\";q=").append(quota).append(";w=").append(window);
    }

    /** The most one request may cost under {@code policy}: its smallest burst, quota or permit count. */
    static long maxCost(Policy policy) {
        long ceiling = Long.MAX_VALUE;
        if (policy.rate() != null) {
            ceiling = Math.min(ceiling, policy.rate().burst());
        }
        if (policy.quota() != null) {
            ceiling = Math.min(ceiling, policy.quota().limit());
        }
        if (policy.concurrency() != null) {
            ceiling = Math.min(ceiling, policy.concurrency().permits());
        }
        return ceiling;
    }

    /** The request's flow in this policy's fair queue ("" without a value), or null when the queue is FIFO. */
    String flow(RequestView request) {
        if (fairBy == null) {
            return null;
        }
        String flow = fairBy.resolve(request);
        return flow == null ? "" : flow;
    }
}
