package dev.sluice.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;

/**
 * The opt-in decision trace: a request whose header {@link #requestHeader()} (default {@value #DEFAULT_HEADER})
 * carries the configured secret gets a response header {@value #RESPONSE_HEADER} describing, for each policy that
 * applied, how it decided (see the README, "Decision trace"). Off unless a secret is configured; without the secret
 * nothing is added and nothing is said about why. The secret is compared in constant time (both sides hashed with
 * SHA-256, then {@link MessageDigest#isEqual}), so timing does not reveal how much of a guess was right, nor its
 * length. When on, the cost for a request without the header is one header lookup; when off, none. Immutable.
 */
public final class DecisionTrace {
    public static final String DEFAULT_HEADER = "Sluice-Trace";
    public static final String RESPONSE_HEADER = "Sluice-Decision";
    /** The shortest secret accepted: a trace tells how limits are configured, so it must not be guessable. */
    public static final int MIN_SECRET_LENGTH = 16;
    /** No trace: the default. */
    public static final DecisionTrace OFF = new DecisionTrace(DEFAULT_HEADER, null);
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");

    private final String requestHeader;
    private final byte[] secretHash;

    private DecisionTrace(String requestHeader, byte[] secretHash) {
        this.requestHeader = requestHeader;
        this.secretHash = secretHash;
    }

    /**
     * A trace answered to requests carrying {@code secret} in {@code header}.
     *
     * @param header the request header's name, or null for {@value #DEFAULT_HEADER}
     * @param secret at least {@value #MIN_SECRET_LENGTH} characters, or null/blank for {@link #OFF}
     * @throws IllegalArgumentException naming the setting: a header that is not an HTTP token, a short secret
     */
    public static DecisionTrace of(String header, String secret) {
        String name = header == null || header.isBlank() ? DEFAULT_HEADER : header.strip();
        if (!TOKEN.matcher(name).matches()) {
            throw new IllegalArgumentException("trace-header must be an HTTP header name (letters, digits and "
                    + "!#$%&'*+.^_`|~-, at most 64), got '" + name + "'");
        }
        if (secret == null || secret.isBlank()) {
            return name.equals(DEFAULT_HEADER) ? OFF : new DecisionTrace(name, null);
        }
        if (secret.length() < MIN_SECRET_LENGTH) {
            throw new IllegalArgumentException("trace-secret must be at least " + MIN_SECRET_LENGTH
                    + " characters, got " + secret.length());
        }
        return new DecisionTrace(name, sha256(secret));
    }

    public String requestHeader() {
        return requestHeader;
    }

    /** Whether a secret is configured. */
    public boolean enabled() {
        return secretHash != null;
    }

    /** Whether {@code request} asks for the trace with the right secret: one header lookup, when enabled. */
    public boolean wanted(RequestView request) {
        if (secretHash == null) {
            return false;
        }
        String value = request.header(requestHeader);
        return value != null && MessageDigest.isEqual(sha256(value), secretHash);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every JVM has SHA-256", impossible);
        }
    }

    @Override
    public String toString() {
        return enabled() ? "DecisionTrace[" + requestHeader + "]" : "DecisionTrace[off]";
    }
}
