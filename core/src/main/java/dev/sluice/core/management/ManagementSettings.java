package dev.sluice.core.management;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the management API is guarded and bounded. Immutable; build with {@link #builder()} or start from
 * {@link #withToken(String)}.
 *
 * @param token          a bearer token that may do everything, named {@code default} in the audit, or null (a blank
 *                       token counts as none). The adapters resolve it (servlet init-param {@code token}, gateway
 *                       {@code sluice.management.token}, else the environment variable {@code SLUICE_TOKEN}). With no
 *                       token at all, writes answer 403 and say how to enable them
 * @param readsNeedToken whether reads need a token too, of either role (default false)
 * @param maxBodyBytes   the largest request body read, in bytes (default 64 KiB, at most 16 MiB); larger bodies
 *                       answer 413. Policy bodies are parsed up to
 *                       {@link dev.sluice.core.config.PolicyParser#MAX_BODY_BYTES} whatever this says
 * @param auditSize      how many accepted changes {@code GET /audit} keeps, newest first (default 1000; 0 keeps none,
 *                       the log still has them)
 * @param timeout        how long a call may wait for the cluster (a key's state, a write stored with its backups)
 *                       before it answers 504 (default 5 s)
 * @param tokens         named tokens with roles in the text form of the README's "Management tokens" (one
 *                       {@code name role secret} per line or separated by {@code ;}), or null; adapters take it from
 *                       the environment variable {@code SLUICE_TOKENS}
 * @param tokensFile     a file of named tokens in the same form, or null; read at start (a bad file fails it) and again
 *                       within {@value ManagementAccess#RELOAD_SECONDS} s of a change (a bad change is logged and
 *                       ignored), so tokens can be added, rotated and revoked without a restart
 */
public record ManagementSettings(String token, boolean readsNeedToken, int maxBodyBytes, int auditSize,
        Duration timeout, String tokens, Path tokensFile) {
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
        if (tokens != null && tokens.isBlank()) {
            tokens = null;
        }
        if (tokens != null) {
            ManagementTokens inline = ManagementTokens.parse(tokens, "tokens");
            if (token != null) {
                ManagementTokens.single(token).and(inline, "tokens");
            }
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
        return new ManagementSettings(token, value, maxBodyBytes, auditSize, timeout, tokens, tokensFile);
    }

    /** A copy with {@link #maxBodyBytes()} set. */
    public ManagementSettings maxBodyBytes(int value) {
        return new ManagementSettings(token, readsNeedToken, value, auditSize, timeout, tokens, tokensFile);
    }

    /** A copy with {@link #tokens()} set. */
    public ManagementSettings tokens(String value) {
        return new ManagementSettings(token, readsNeedToken, maxBodyBytes, auditSize, timeout, value, tokensFile);
    }

    /** A copy with {@link #tokensFile()} set. */
    public ManagementSettings tokensFile(Path value) {
        return new ManagementSettings(token, readsNeedToken, maxBodyBytes, auditSize, timeout, tokens, value);
    }

    /** The settings without their secrets. */
    @Override
    public String toString() {
        return "ManagementSettings[token=" + (token == null ? "none" : "(set)") + ", tokens="
                + (tokens == null ? "none" : "(set)") + ", tokensFile=" + tokensFile + ", readsNeedToken="
                + readsNeedToken + ", maxBodyBytes=" + maxBodyBytes + ", auditSize=" + auditSize + ", timeout="
                + timeout + "]";
    }

    /** Whether any token is configured (a token file counts, even while it is empty). */
    public boolean hasTokens() {
        return token != null || tokens != null || tokensFile != null;
    }

    /** Collects settings; {@link #build()} validates them together. Not thread-safe. */
    public static final class Builder {
        private String token;
        private boolean readsNeedToken;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int auditSize = DEFAULT_AUDIT_SIZE;
        private Duration timeout = DEFAULT_TIMEOUT;
        private String tokens;
        private Path tokensFile;

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

        public Builder tokens(String value) {
            this.tokens = value;
            return this;
        }

        public Builder tokensFile(Path value) {
            this.tokensFile = value;
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting out of range */
        public ManagementSettings build() {
            return new ManagementSettings(token, readsNeedToken, maxBodyBytes, auditSize, timeout, tokens, tokensFile);
        }
    }
}
