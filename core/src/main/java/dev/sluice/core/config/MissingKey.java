package dev.sluice.core.config;

/** What a policy does with a request that lacks a part of its key (no such header, parameter, cookie, principal). */
public enum MissingKey {
    /** Count the request against one bucket shared by all such requests. */
    GLOBAL,
    /** The policy does not apply to the request. */
    SKIP,
    /** Refuse the request with 400 and reason {@code bad-key}. */
    REJECT
}
