package dev.sluice.core.config;

import java.util.regex.Pattern;

/**
 * One policy, exactly as configuration writes it (see the README's policy reference). Immutable; every field is
 * checked here, so a {@code Policy} that exists is valid. At least one of {@code rate}, {@code quota} and
 * {@code concurrency} is set.
 *
 * @param name             1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit
 * @param match            which requests it applies to; default every request
 * @param key              what requests share a bucket and a semaphore; default {@code global}
 * @param missingKey       what a request lacking a key part gets; default {@link MissingKey#GLOBAL}
 * @param scope            where the state lives; default {@link Scope#NODE}
 * @param rate             the token bucket, or null
 * @param quota            the long-window allowance, or null
 * @param cost             what one request costs; default 1
 * @param concurrency      the in-flight limit, or null
 * @param queue            waiting instead of refusal, or null (refuse at once)
 * @param reject           how refusals answer
 * @param headers          which rate-limit headers to send; default {@link HeaderStyle#IETF}
 * @param mode             enforce or shadow; default {@link Mode#ENFORCE}
 * @param onBackendFailure what a cluster-scope policy does when the backend fails; default {@link BackendFailure#LOCAL}
 * @param topKeys          whether its most frequent keys are kept for the top endpoint; default {@link TopKeys#ON}
 */
public record Policy(
        String name,
        Match match,
        KeyExpression key,
        MissingKey missingKey,
        Scope scope,
        Rate rate,
        Quota quota,
        Cost cost,
        Concurrency concurrency,
        QueueLimit queue,
        Reject reject,
        HeaderStyle headers,
        Mode mode,
        BackendFailure onBackendFailure,
        TopKeys topKeys) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public Policy {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new FieldException("name", "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a "
                    + "letter or digit", name);
        }
        match = match == null ? Match.ALL : match;
        key = key == null ? KeyExpression.GLOBAL : key;
        missingKey = missingKey == null ? MissingKey.GLOBAL : missingKey;
        scope = scope == null ? Scope.NODE : scope;
        cost = cost == null ? Cost.ONE : cost;
        reject = reject == null ? Reject.DEFAULT : reject;
        headers = headers == null ? HeaderStyle.IETF : headers;
        mode = mode == null ? Mode.ENFORCE : mode;
        onBackendFailure = onBackendFailure == null ? BackendFailure.LOCAL : onBackendFailure;
        topKeys = topKeys == null ? TopKeys.ON : topKeys;

        if (rate == null && quota == null && concurrency == null) {
            throw new FieldException("rate", "is required unless quota or concurrency is set: a policy needs at "
                    + "least one limit", null);
        }
        if (queue != null && rate == null && concurrency == null) {
            throw new FieldException("queue", "needs rate or concurrency to queue for (a quota alone does not queue)",
                    null);
        }
        if (rate != null && cost.ceiling() > rate.burst()) {
            throw new FieldException(cost.header() == null ? "cost" : "cost.max",
                    "must not exceed rate.burst (" + rate.burst() + "): such a request could never pass",
                    cost.ceiling());
        }
        if (quota != null && cost.ceiling() > quota.limit()) {
            throw new FieldException(cost.header() == null ? "cost" : "cost.max",
                    "must not exceed quota.limit (" + quota.limit() + "): such a request could never pass",
                    cost.ceiling());
        }
        if (concurrency != null && cost.ceiling() > concurrency.permits()) {
            throw new FieldException(cost.header() == null ? "cost" : "cost.max",
                    "must not exceed concurrency.permits (" + concurrency.permits()
                            + "): such a request could never pass", cost.ceiling());
        }
    }

    /** A policy with the default {@code top-keys: on}; see the canonical constructor. */
    public Policy(String name, Match match, KeyExpression key, MissingKey missingKey, Scope scope, Rate rate,
            Quota quota, Cost cost, Concurrency concurrency, QueueLimit queue, Reject reject, HeaderStyle headers,
            Mode mode, BackendFailure onBackendFailure) {
        this(name, match, key, missingKey, scope, rate, quota, cost, concurrency, queue, reject, headers, mode,
                onBackendFailure, TopKeys.ON);
    }

    /** Starts a builder with the defaults, for programmatic configuration. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder initialised from this policy, for programmatic changes. */
    public Builder toBuilder() {
        return new Builder(name).match(match).key(key).missingKey(missingKey).scope(scope).rate(rate).quota(quota)
                .cost(cost).concurrency(concurrency).queue(queue).reject(reject).headers(headers).mode(mode)
                .onBackendFailure(onBackendFailure).topKeys(topKeys);
    }

    public boolean shadow() {
        return mode == Mode.SHADOW;
    }

    /** Fluent construction; {@link #build()} runs the record's checks. Not thread-safe. */
    public static final class Builder {
        private String name;
        private Match match;
        private KeyExpression key;
        private MissingKey missingKey;
        private Scope scope;
        private Rate rate;
        private Quota quota;
        private Cost cost;
        private Concurrency concurrency;
        private QueueLimit queue;
        private Reject reject;
        private HeaderStyle headers;
        private Mode mode;
        private BackendFailure onBackendFailure;
        private TopKeys topKeys;

        private Builder(String name) { this.name = name; }

        public Builder name(String value) { this.name = value; return this; }
        public Builder match(Match value) { this.match = value; return this; }
        public Builder key(KeyExpression value) { this.key = value; return this; }
        public Builder key(String value) { this.key = KeyExpression.parse(value); return this; }
        public Builder missingKey(MissingKey value) { this.missingKey = value; return this; }
        public Builder scope(Scope value) { this.scope = value; return this; }
        public Builder rate(Rate value) { this.rate = value; return this; }
        public Builder quota(Quota value) { this.quota = value; return this; }
        public Builder cost(Cost value) { this.cost = value; return this; }
        public Builder concurrency(Concurrency value) { this.concurrency = value; return this; }
        public Builder queue(QueueLimit value) { this.queue = value; return this; }
        public Builder reject(Reject value) { this.reject = value; return this; }
        public Builder headers(HeaderStyle value) { this.headers = value; return this; }
        public Builder mode(Mode value) { this.mode = value; return this; }
        public Builder onBackendFailure(BackendFailure value) { this.onBackendFailure = value; return this; }
        public Builder topKeys(TopKeys value) { this.topKeys = value; return this; }

        public Policy build() {
            return new Policy(name, match, key, missingKey, scope, rate, quota, cost, concurrency, queue, reject,
                    headers, mode, onBackendFailure, topKeys);
        }
    }
}
