package dev.sluice.core.config;

/** Whether a policy refuses, or only records what it would have refused. */
public enum Mode {
    ENFORCE,
    /** Computes everything and records metrics, takes nothing that must be given back, and admits the request. */
    SHADOW
}
