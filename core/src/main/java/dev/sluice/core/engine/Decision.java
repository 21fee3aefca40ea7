package dev.sluice.core.engine;

import dev.sluice.core.Admission;
import dev.sluice.core.Reason;
import dev.sluice.core.spi.Lease;
import dev.sluice.core.spi.RateOutcome;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The engine's {@link Admission}. Header texts and the problem body are rendered on first use, so a caller that
 * sends no headers pays nothing for them.
 */
final class Decision implements Admission {
    static final String DEGRADED_HEADER = "Sluice-Degraded";
    /** A mark on a decision: a backend failure rule decided some step instead of the backend. */
    static final int DEGRADED = 1;
    /** A mark on a decision: the request asked for the decision trace. */
    static final int TRACED = 2;
    private static final Step[] NO_STEPS = new Step[0];
    /** The decision for a request no policy applied to. */
    static final Decision UNLIMITED = new Decision(Verdict.ADMITTED, null, null, 200, 0, NO_STEPS, 0, Lease.NONE, 0);
    /** The decision for a request no policy applied to that asked for the trace. */
    static final Decision UNLIMITED_TRACED = new Decision(Verdict.ADMITTED, null, null, 200, 0, NO_STEPS, 0,
            Lease.NONE, TRACED);

    private enum Verdict { ADMITTED, ADMITTED_OVER_SHADOW_REFUSAL, REFUSED }

    private final boolean admitted;
    private final boolean wouldRefuse;
    private final Reason reason;
    private final CompiledPolicy refusing;
    private final int status;
    private final long retryAfterNanos;
    private final Step[] steps;
    private final int stepCount;
    private final Lease lease;
    private final boolean degraded;
    private final boolean traced;
    private List<Header> headers;

    private Decision(Verdict verdict, Reason reason, CompiledPolicy refusing, int status, long retryAfterNanos,
            Step[] steps, int stepCount, Lease lease, int marks) {
        this.admitted = verdict != Verdict.REFUSED;
        this.wouldRefuse = verdict == Verdict.ADMITTED_OVER_SHADOW_REFUSAL;
        this.reason = reason;
        this.refusing = refusing;
        this.status = status;
        this.retryAfterNanos = retryAfterNanos;
        this.steps = steps;
        this.stepCount = stepCount;
        this.lease = lease;
        this.degraded = (marks & DEGRADED) != 0;
        this.traced = (marks & TRACED) != 0;
    }

    /**
     * Every step passed (none in shadow mode refused).
     *
     * @param marks {@link #DEGRADED} and {@link #TRACED}, or 0
     */
    static Decision admitted(Step[] steps, int count, Lease lease, int marks) {
        return new Decision(Verdict.ADMITTED, null, null, 200, 0, steps, count, lease, marks);
    }

    /**
     * Every step passed, but {@code wouldRefuse}, a policy in shadow mode, would have refused for {@code reason}
     * (the first such refusal).
     */
    static Decision admittedOverShadowRefusal(CompiledPolicy wouldRefuse, Reason reason, Step[] steps, int count,
            Lease lease, int marks) {
        return new Decision(Verdict.ADMITTED_OVER_SHADOW_REFUSAL, reason, wouldRefuse, 200, 0, steps, count, lease,
                marks);
    }

    /**
     * {@code refusing} refused the request for {@code reason}; {@code count} steps were asked, the last one refused.
     * The status is the policy's {@code reject.status}, else the reason's default.
     */
    static Decision refused(CompiledPolicy refusing, Reason reason, long retryAfterNanos, Step[] steps, int count,
            int marks) {
        Integer status = refusing.definition.reject().status();
        return new Decision(Verdict.REFUSED, reason, refusing, status != null ? status : reason.defaultStatus(),
                retryAfterNanos, steps, count, Lease.NONE, marks);
    }

    /** A refusal for a request lacking the policy's key under {@code missing-key: reject} (counted here). */
    static Decision badKey(CompiledPolicy policy) {
        policy.binding.metrics.refused(Reason.BAD_KEY, false);
        return refused(policy, Reason.BAD_KEY, 0, NO_STEPS, 0, 0);
    }

    @Override public boolean admitted() { return admitted; }

    @Override public boolean wouldRefuse() { return wouldRefuse; }

    @Override public Reason reason() { return reason; }

    @Override public String policy() { return refusing == null ? null : refusing.name; }

    @Override public int status() { return status; }

    @Override public long retryAfterNanos() { return retryAfterNanos; }

    @Override
    public long retryAfterSeconds() {
        if (admitted) {
            return 0;
        }
        return Math.max(1, (retryAfterNanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
    }

    @Override
    public long remaining() {
        long least = -1;
        for (int i = 0; i < stepCount; i++) {
            if (steps[i].showsRate()) {
                long remaining = steps[i].rate.remaining();
                least = least < 0 ? remaining : Math.min(least, remaining);
            }
        }
        return least;
    }

    @Override public boolean degraded() { return degraded; }

    @Override public void release() { lease.release(); }

    @Override public Lease lease() { return lease; }

    @Override
    public List<Header> headers() {
        List<Header> rendered = headers;
        if (rendered == null) {
            rendered = renderHeaders();
            headers = rendered;
        }
        return rendered;
    }

    /**
     * The rate headers describe, per policy, its band closest to exhaustion (draft-ietf-httpapi-ratelimit-headers-10):
     * the {@code RateLimit} item is named after that band's {@code RateLimit-Policy} item and gives its remaining
     * tokens and seconds until it is full again (on a refusal: until the request could pass). The legacy headers
     * describe the one band, over all policies, with the fewest tokens left.
     */
    private List<Header> renderHeaders() {
        if (stepCount == 0 && admitted && !degraded && !traced) {
            return Collections.emptyList();
        }
        List<Header> list = new ArrayList<>(4);
        StringBuilder policies = new StringBuilder();
        StringBuilder limits = new StringBuilder();
        Step legacy = null;
        for (int i = 0; i < stepCount; i++) {
            if (!steps[i].showsRate()) {
                continue;
            }
            CompiledPolicy policy = steps[i].compiled;
            RateOutcome outcome = steps[i].rate;
            if (policy.ietfPolicy != null) {
                if (policies.length() > 0) {
                    policies.append(", ");
                    limits.append(", ");
                }
                policies.append(policy.ietfPolicy);
                limits.append('"').append(policy.bandName(policy.band(outcome))).append("\";r=")
                        .append(outcome.remaining()).append(";t=").append(seconds(nanosToReset(outcome)));
            }
            if (policy.definition.headers().legacy()
                    && (legacy == null || outcome.remaining() < legacy.rate.remaining())) {
                legacy = steps[i];
            }
        }
        if (policies.length() > 0) {
            list.add(new Header("RateLimit-Policy", policies.toString()));
            list.add(new Header("RateLimit", limits.toString()));
        }
        if (legacy != null) {
            RateOutcome outcome = legacy.rate;
            String band = legacy.compiled.band(outcome);
            list.add(new Header("X-RateLimit-Limit", Long.toString(legacy.compiled.bandLimit(band))));
            list.add(new Header("X-RateLimit-Remaining", Long.toString(outcome.remaining())));
            list.add(new Header("X-RateLimit-Reset", Long.toString(seconds(nanosToReset(outcome)))));
        }
        if (!admitted) {
            list.add(new Header("Retry-After", Long.toString(retryAfterSeconds())));
        }
        if (degraded) {
            list.add(new Header(DEGRADED_HEADER, "backend-failure"));
        }
        if (traced) {
            list.add(new Header(dev.sluice.core.DecisionTrace.RESPONSE_HEADER,
                    TraceText.render(steps, stepCount, admitted)));
        }
        return Collections.unmodifiableList(list);
    }

    private static long nanosToReset(RateOutcome outcome) {
        return outcome.consumed() ? outcome.nanosToReset() : outcome.nanosToRetry();
    }

    private static long seconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }

    @Override
    public String problemJson() {
        if (admitted) {
            return null;
        }
        String name = refusing == null ? null : refusing.name;
        StringBuilder json = new StringBuilder(256);
        json.append("{\"type\":\"urn:sluice:problem:").append(reason.wire()).append('"')
                .append(",\"title\":\"").append(reason.title()).append('"')
                .append(",\"status\":").append(status)
                .append(",\"detail\":\"").append(detail(name)).append('"');
        if (name != null) {
            json.append(",\"policy\":\"").append(name).append('"');
        }
        json.append(",\"reason\":\"").append(reason.wire()).append('"');
        json.append(",\"retryAfter\":").append(retryAfterSeconds()).append('}');
        return json.toString();
    }

    /** Policy names are restricted to letters, digits, '.', '_' and '-', so nothing here needs JSON escaping. */
    private String detail(String name) {
        String who = name == null ? "The request" : "Policy '" + name + "'";
        String what = switch (reason) {
            case RATE -> " refused the request: its rate limit is exhausted.";
            case QUOTA -> " refused the request: its quota is exhausted.";
            case CONCURRENCY -> " refused the request: too many requests are in progress.";
            case QUEUE_FULL -> " refused the request: its queue is full.";
            case QUEUE_TIMEOUT -> " refused the request: it waited in the queue longer than allowed.";
            case BAD_KEY -> " refused the request: it lacks the header, parameter, cookie or principal the policy's "
                    + "key is made of.";
            case BACKEND_FAILURE -> " refused the request: the rate-limit cluster did not answer in time.";
        };
        return who + what + " Retry after " + retryAfterSeconds() + " s.";
    }

    @Override
    public String toString() {
        return admitted ? (wouldRefuse ? "Admission[admitted, shadow " + reason.wire() + " by " + policy() + "]"
                : "Admission[admitted]") : "Admission[refused " + reason.wire() + " by " + policy() + "]";
    }
}
