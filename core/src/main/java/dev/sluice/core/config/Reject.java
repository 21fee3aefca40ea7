package dev.sluice.core.config;

/**
 * How this policy's refusals answer.
 *
 * @param status the HTTP status of every refusal by this policy (400 to 599), or null for the default per reason:
 *               429 for rate and quota, 503 for concurrency, queue-full, queue-timeout and backend-failure
 */
public record Reject(Integer status) {
    public static final Reject DEFAULT = new Reject(null);

    public Reject {
        if (status != null && (status < 400 || status > 599)) {
            throw new FieldException("status", "must be an HTTP error status from 400 to 599", status);
        }
    }
}
