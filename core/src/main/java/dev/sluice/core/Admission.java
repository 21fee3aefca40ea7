package dev.sluice.core;

import dev.sluice.core.spi.Lease;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's decision on one request: admitted or refused, why, what to answer, and what to release when the
 * request ends. Immutable apart from {@link #release()}, which is idempotent and thread-safe.
 *
 * <p>An admitted request's {@link #release()} must be called once its response completes (the adapters do this on
 * every path: normal completion, exception, async completion, timeout, client disconnect). Calling it on a refused
 * admission is harmless.
 */
public interface Admission {
    /** Whether the request may proceed (always true in shadow mode). */
    boolean admitted();

    /** In shadow mode: whether an enforcing policy would have refused. */
    boolean wouldRefuse();

    /** Why it was (or would have been) refused, or null. */
    Reason reason();

    /** The policy that refused (or would have), or null. */
    String policy();

    /** The HTTP status of a refusal; 200 when admitted. */
    int status();

    /** Seconds after which a refused request may succeed, at least 1; 0 when admitted. */
    long retryAfterSeconds();

    /** Nanoseconds after which a refused request may succeed; 0 when admitted. */
    long retryAfterNanos();

    /**
     * Tokens left after this request in the most depleted bucket of the policies that applied, or -1 when no rate
     * or quota applied.
     */
    long remaining();

    /** Whether an {@code on-backend-failure} rule decided for at least one policy instead of the cluster. */
    boolean degraded();

    /** The response headers to add, in order: rate-limit headers on every answer, Retry-After on refusals. */
    List<Header> headers();

    /** An RFC 9457 {@code application/problem+json} body for a refusal, or null when admitted. */
    String problemJson();

    /** Gives back what the request took (concurrency leases). Idempotent, thread-safe. */
    void release();

    /** The lease behind {@link #release()}, for adapters that pass it on. */
    Lease lease();

    /** A response header. */
    record Header(String name, String value) {
        /**
         * {@code headers} with one value per name, in order, the values of a repeated name joined with {@code ", "}
         * (RFC 9110 section 5.3), for APIs that take a map of headers.
         */
        public static Map<String, String> joined(List<Header> headers) {
            Map<String, String> joined = new LinkedHashMap<>();
            for (Header header : headers) {
                joined.merge(header.name(), header.value(), (first, second) -> first + ", " + second);
            }
            return joined;
        }
    }
}
