package dev.sluice.bench.http;

/** The filters the load harness compares, all in front of the same hello servlet. */
public enum Variant {
    /** No filter: the baseline every figure is a ratio to. */
    NONE("no filter (baseline)"),
    /**
     * Jetty's DoSFilter, 1,000,000 requests per second per client (never reached; its tracker allocates one slot per
     * allowed request, so a larger limit costs memory).
     */
    JETTY_DOS("Jetty DoSFilter"),
    /** Sluice, a node-scope rate policy per client address, limit never reached. */
    SLUICE_NODE_RATE("Sluice, node-scope rate"),
    /** The same policy with {@code headers: none}: what the rate-limit headers on every answer cost. */
    SLUICE_NODE_RATE_NO_HEADERS("Sluice, node-scope rate, headers: none"),
    /** Sluice, a cluster-scope rate policy per client address on one embedded Hazelcast member. */
    SLUICE_CLUSTER_RATE("Sluice, cluster-scope rate, 1 member"),
    /**
     * The same policy with the embedded member in a cluster of 3: the two others are {@link BenchMember} JVMs started
     * by the harness; the load hits this server only.
     */
    SLUICE_CLUSTER_RATE_3("Sluice, cluster-scope rate, 3 members"),
    /** Sluice, a node-scope concurrency policy, 10,000 permits. */
    SLUICE_CONCURRENCY("Sluice, node-scope concurrency"),
    /** Jetty's QoSFilter, 10,000 concurrent requests. */
    JETTY_QOS("Jetty QoSFilter"),
    /** A hand-written per-IP Bucket4j filter on local buckets. */
    BUCKET4J_LOCAL("hand-written Bucket4j, local"),
    /** A hand-written per-IP Bucket4j filter on Hazelcast (1 embedded member). */
    BUCKET4J_HAZELCAST("hand-written Bucket4j, Hazelcast 1 member"),
    /**
     * Spring Cloud Gateway, one route to a hello backend (a {@link BenchServer} {@code NONE} in its own JVM), no
     * limiter: the baseline of the gateway variants. Each gateway variant is {@code BenchGateway} (module
     * {@code bench/gateway}) in its own JVM with its own backend; only the gateway's CPU is counted.
     */
    GATEWAY_NONE("gateway, no limiter (baseline)"),
    /** {@code RequestRateLimiter} with {@code RedisRateLimiter} on a {@code redis-server} started by the harness. */
    GATEWAY_REDIS("gateway, RequestRateLimiter + RedisRateLimiter"),
    /** {@code RequestRateLimiter} with the gateway's {@code Bucket4jRateLimiter} on one embedded Hazelcast member. */
    GATEWAY_BUCKET4J_HAZELCAST("gateway, RequestRateLimiter + Bucket4j on Hazelcast"),
    /** Sluice's route filter, node scope. */
    GATEWAY_SLUICE_NODE("gateway, Sluice route filter, node scope"),
    /** Sluice's route filter, cluster scope on one embedded member. */
    GATEWAY_SLUICE_CLUSTER("gateway, Sluice route filter, cluster scope"),
    /** {@code RequestRateLimiter} with the {@code sluiceRateLimiter} bean (node scope). */
    GATEWAY_SLUICE_RATE_LIMITER("gateway, RequestRateLimiter + sluiceRateLimiter");

    private final String label;
    private final java.util.List<String> jvmOptions;

    Variant(String label, String... jvmOptions) {
        this.label = label;
        this.jvmOptions = java.util.List.of(jvmOptions);
    }

    /** Whether this is a gateway variant (measured against {@link #GATEWAY_NONE}, not {@link #NONE}). */
    public boolean gateway() {
        return name().startsWith("GATEWAY_");
    }

    public String label() {
        return label;
    }

    /** Options for the server JVM besides the harness's usual ones. */
    public java.util.List<String> jvmOptions() {
        return jvmOptions;
    }
}
