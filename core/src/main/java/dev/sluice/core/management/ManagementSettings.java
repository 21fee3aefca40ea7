package dev.sluice.core.management;

import java.time.Duration;

/**
 * How the management API is guarded and bounded.
 *
 * @param token          the bearer token that writes need, or null: then writes answer 403 and say how to enable
 *                       them
 * @param readsNeedToken whether reads need the token too (default false)
 * @param maxBodyBytes   the largest request body read (default 64 KiB); larger bodies answer 413
 * @param auditSize      how many accepted changes {@code GET /audit} keeps (default 1000)
 * @param timeout        how long a call may wait for the cluster before answering 504 (default 5s)
 */
public record ManagementSettings(String token, boolean readsNeedToken, int maxBodyBytes, int auditSize,
        Duration timeout) {
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

    public ManagementSettings {
        if (token != null && token.isBlank()) {
            token = null;
        }
        if (maxBodyBytes < 1 || maxBodyBytes > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("max-body-bytes must be from 1 to 16777216, got " + maxBodyBytes);
        }
        if (auditSize < 0 || auditSize > 1_000_000) {
            throw new IllegalArgumentException("audit size must be from 0 to 1000000, got " + auditSize);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    /** Defaults with the given token (null: read-only). */
    public static ManagementSettings withToken(String token) {
        return new ManagementSettings(token, false, DEFAULT_MAX_BODY_BYTES, 1000, Duration.ofSeconds(5));
    }

    public ManagementSettings readsNeedToken(boolean value) {
        return new ManagementSettings(token, value, maxBodyBytes, auditSize, timeout);
    }

    public ManagementSettings maxBodyBytes(int value) {
        return new ManagementSettings(token, readsNeedToken, value, auditSize, timeout);
    }
}
