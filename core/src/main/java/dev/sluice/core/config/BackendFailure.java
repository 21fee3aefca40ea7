package dev.sluice.core.config;

/** What a cluster-scope policy does when the cluster backend cannot answer in time. */
public enum BackendFailure {
    /** Enforce a node-local share of the limit: the limit divided by the live members this node last saw. */
    LOCAL,
    /** Admit. */
    ALLOW,
    /** Refuse with 503 and reason {@code backend-failure}. */
    DENY
}
