package dev.sluice.core.management;

import java.time.Duration;

/**
 * How the management API is guarded and bounded. Immutable; build with {@link #builder()} or start from
 * {@link #withToken(String)}.
 *
 * @param token          the bearer token that writes need, or null (a blank token counts as none): then writes answer
 *                       403 and say how to enable them. The adapters resolve it (servlet init-param {@code token},
 *                       gateway {@code sluice.management.token}, else the environment variable {@code SLUICE_TOKEN})
 * @param readsNeedToken whether reads need the token too (default false)
 * @param maxBodyBytes   the largest request body read, in bytes (default 64 KiB, at most 16 MiB); larger bodies
 *                       answer 413. Policy bodies are parsed up to
 *                       {@link dev.sluice.core.config.PolicyParser#MAX_BODY_BYTES} whatever this says
 * @param auditSize      how many accepted changes {@code GET /audit} keeps, newest first (default 1000; 0 keeps none,
 *                       the log still has them)
 * @param timeout        how long a call may wait for the cluster (a key's state, a write stored with its backups)
 *                       before it answers 504 (default 5 s)
 */
public record ManagementSettings(String token, boolean readsNeedToken, int maxBodyBytes, int auditSize,
        Duration timeout) {
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
    public static final int MAX_BODY_BYTES_LIMIT = 16 * 1024 * 1024;
    public static final int DEFAULT_AUDIT_SIZE = 1000;
    public static final int AUDIT_SIZE_LIMIT = 1_000_000;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** @throws IllegalArgumentException naming the setting, the bad value and what is allowed */
    public ManagementSettings {
        if (token != null && token.isBlank()) {
            token = null;
        }
        if (maxBodyBytes < 1 || maxBodyBytes > MAX_BODY_BYTES_LIMIT) {
            throw new IllegalArgumentException("max-body-bytes must be from 1 to " + MAX_BODY_BYTES_LIMIT + ", got "
                    + maxBodyBytes);
        }
        if (auditSize < 0 || auditSize > AUDIT_SIZE_LIMIT) {
            throw new IllegalArgumentException("audit-size must be from 0 to " + AUDIT_SIZE_LIMIT + ", got "
                    + auditSize);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("timeout must be more than 0 and at most 1h, got " + timeout);
        }
    }

    /** Defaults with the given token (null: read-only). */
    public static ManagementSettings withToken(String token) {
        return builder().token(token).build();
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A copy with {@link #readsNeedToken()} set. */
    public ManagementSettings readsNeedToken(boolean value) {
        return new ManagementSettings(token, value, maxBodyBytes, auditSize, timeout);
    }

    /** A copy with {@link #maxBodyBytes()} set. */
    public ManagementSettings maxBodyBytes(int value) {
        return new ManagementSettings(token, readsNeedToken, value, auditSize, timeout);
    }

    /** Collects settings; {@link #build()} validates them together. Not thread-safe. */
    public static final class Builder {
        private String token;
        private boolean readsNeedToken;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int auditSize = DEFAULT_AUDIT_SIZE;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder() {}

        public Builder token(String value) {
            this.token = value;
            return this;
        }

        public Builder readsNeedToken(boolean value) {
            this.readsNeedToken = value;
            return this;
        }

        public Builder maxBodyBytes(int value) {
            this.maxBodyBytes = value;
            return this;
        }

        public Builder auditSize(int value) {
            this.auditSize = value;
            return this;
        }

        public Builder timeout(Duration value) {
            this.timeout = value;
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting out of range */
        public ManagementSettings build() {
            return new ManagementSettings(token, readsNeedToken, maxBodyBytes, auditSize, timeout);
        }
    }
}
