package dev.sluice.core.config;

/** Whether a policy refuses, or only records what it would have refused. */
public enum Mode {
    ENFORCE,
    /**
     * Computes everything (consumes its own buckets, holds its permits while the request runs, so its figures are
     * true), records metrics, never waits, never refuses: the admission is marked "would have refused" instead.
     */
    SHADOW
}
