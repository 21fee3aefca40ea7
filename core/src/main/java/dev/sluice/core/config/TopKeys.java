package dev.sluice.core.config;

/**
 * Whether a policy keeps top-keys sketches ({@code GET /policies/{name}/top}). Keys are what the policy's key
 * expression resolves to (client addresses, API keys, user names), so a policy whose keys are sensitive turns this
 * off; its keys then never leave the request path.
 */
public enum TopKeys {
    /** The default: the most frequent keys per outcome are kept in bounded sketches and can be read. */
    ON,
    /** No sketches are kept; the top endpoint answers a problem saying so. */
    OFF
}
