package dev.sluice.boot;

import java.util.ArrayList;
import java.util.List;

/**
 * One entry of {@code sluice.policies}, typed so that IDEs complete and document its fields. Start-up reads the
 * entries again as written and checks them with the policy-file parser ({@link SluicePolicies}), so messages, unknown
 * fields and cross-field rules are those of a policy file. Durations are written {@code 250ms}, {@code 1s},
 * {@code 5m}, {@code 1h}, {@code 1d}.
 */
public class PolicyProperties {
    /** Identifies the policy in headers, problem bodies, metrics and the management API; unique. */
    private String name;
    private final Match match = new Match();
    /**
     * What requests share a bucket and a semaphore: ip, header:NAME, param:NAME, cookie:NAME, principal, path, method,
     * global, or up to 8 of them joined with + (header:X-Api-Key+ip). Default global.
     */
    private String key;
    /** What a request lacking a key part gets: global (default), skip or reject (400). */
    private String missingKey;
    /** Where the state lives: node (default; a per-node limit) or cluster (the limit holds across all nodes). */
    private String scope;
    private final Rate rate = new Rate();
    private final Quota quota = new Quota();
    /** What one request costs in tokens and permits: an integer (default 1), or {header, max, default}. */
    private String cost;
    private final Concurrency concurrency = new Concurrency();
    private final Queue queue = new Queue();
    private final Reject reject = new Reject();
    /** Which rate-limit headers responses carry: ietf (default), legacy, both or none. */
    private String headers;
    /** enforce (default) refuses; shadow computes and records everything but never waits or refuses. */
    private String mode;
    /** What a cluster-scope policy does when the cluster cannot answer in time: local (default), allow or deny. */
    private String onBackendFailure;
    /** Whether the most frequent keys per outcome are kept for the top endpoint: on (default) or off. */
    private String topKeys;

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public Match getMatch() { return match; }
    public String getKey() { return key; }
    public void setKey(String key) { this.key = key; }
    public String getMissingKey() { return missingKey; }
    public void setMissingKey(String missingKey) { this.missingKey = missingKey; }
    public String getScope() { return scope; }
    public void setScope(String scope) { this.scope = scope; }
    public Rate getRate() { return rate; }
    public Quota getQuota() { return quota; }
    public String getCost() { return cost; }
    public void setCost(String cost) { this.cost = cost; }
    public Concurrency getConcurrency() { return concurrency; }
    public Queue getQueue() { return queue; }
    public Reject getReject() { return reject; }
    public String getHeaders() { return headers; }
    public void setHeaders(String headers) { this.headers = headers; }
    public String getMode() { return mode; }
    public void setMode(String mode) { this.mode = mode; }
    public String getOnBackendFailure() { return onBackendFailure; }
    public void setOnBackendFailure(String onBackendFailure) { this.onBackendFailure = onBackendFailure; }
    public String getTopKeys() { return topKeys; }
    public void setTopKeys(String topKeys) { this.topKeys = topKeys; }

    /** Which requests the policy applies to; all of its conditions must hold. */
    public static class Match {
        /** Path patterns within the application: * within one segment, ** any number of segments. Default /**. */
        private List<String> paths = new ArrayList<>();
        /** HTTP methods; default every method. */
        private List<String> methods = new ArrayList<>();
        /** Headers a request must carry: {name} present, or {name, value} equal. */
        private List<HeaderCondition> headers = new ArrayList<>();

        public List<String> getPaths() { return paths; }
        public void setPaths(List<String> paths) { this.paths = paths; }
        public List<String> getMethods() { return methods; }
        public void setMethods(List<String> methods) { this.methods = methods; }
        public List<HeaderCondition> getHeaders() { return headers; }
        public void setHeaders(List<HeaderCondition> headers) { this.headers = headers; }
    }

    /** A header condition of {@code match.headers}. */
    public static class HeaderCondition {
        /** The header's name (case-insensitive). */
        private String name;
        /** The value it must equal (case-sensitive); unset: the header must be present. */
        private String value;

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
        public String getValue() { return value; }
        public void setValue(String value) { this.value = value; }
    }

    /** A token bucket refilled smoothly. */
    public static class Rate {
        /** Tokens added per period, 1 to 1,000,000,000. */
        private Integer limit;
        /** The refill period, 1ms to 1d. */
        private String period;
        /** The bucket's capacity; default the limit. */
        private Integer burst;

        public Integer getLimit() { return limit; }
        public void setLimit(Integer limit) { this.limit = limit; }
        public String getPeriod() { return period; }
        public void setPeriod(String period) { this.period = period; }
        public Integer getBurst() { return burst; }
        public void setBurst(Integer burst) { this.burst = burst; }
    }

    /** Tokens per window, refilled all at once at the end of each window. */
    public static class Quota {
        /** Tokens per period, 1 to 1,000,000,000. */
        private Integer limit;
        /** The window, 1s to 366d. */
        private String period;

        public Integer getLimit() { return limit; }
        public void setLimit(Integer limit) { this.limit = limit; }
        public String getPeriod() { return period; }
        public void setPeriod(String period) { this.period = period; }
    }

    /** Requests in flight at once per key. */
    public static class Concurrency {
        /** Permits, 1 to 1,000,000. */
        private Integer permits;
        /** How long a permit stays held without renewal, 1s to 1d; default 30s. */
        private String lease;

        public Integer getPermits() { return permits; }
        public void setPermits(Integer permits) { this.permits = permits; }
        public String getLease() { return lease; }
        public void setLease(String lease) { this.lease = lease; }
    }

    /** Refused requests wait instead, first in first out. */
    public static class Queue {
        /** How many may wait per key, 1 to 1,000,000. */
        private Integer depth;
        /** How long one request may wait in total, 1ms to 1h. */
        private String maxWait;

        public Integer getDepth() { return depth; }
        public void setDepth(Integer depth) { this.depth = depth; }
        public String getMaxWait() { return maxWait; }
        public void setMaxWait(String maxWait) { this.maxWait = maxWait; }
    }

    /** How refusals answer. */
    public static class Reject {
        /** The status of every refusal by this policy, 400 to 599. */
        private Integer status;

        public Integer getStatus() { return status; }
        public void setStatus(Integer status) { this.status = status; }
    }
}
