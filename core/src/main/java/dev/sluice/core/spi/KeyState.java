package dev.sluice.core.spi;

/**
 * One key's state in one policy, for {@code GET /policies/{name}/keys/{key}}.
 *
 * @param key           the key as the policy stores it
 * @param exists        whether the backend had any state for it (a key never seen has a full bucket)
 * @param tokens        tokens left in the rate band, or -1 when the policy has no rate
 * @param quotaTokens   tokens left in the quota band, or -1 when the policy has no quota
 * @param permitsInUse  permits held, 0 without concurrency
 * @param permits       the full count, 0 without concurrency
 * @param queued        requests waiting for this key (bucket and semaphore)
 */
public record KeyState(String key, boolean exists, long tokens, long quotaTokens, long permitsInUse, long permits,
        long queued) {
}
