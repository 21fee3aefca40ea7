package dev.sluice.core.config;

/** Where a policy's state lives. */
public enum Scope {
    /** In this JVM: the limit holds per node. */
    NODE,
    /** In the cluster backend: the limit holds across all nodes. */
    CLUSTER
}
