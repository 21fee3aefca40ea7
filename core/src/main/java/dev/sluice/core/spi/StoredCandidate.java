package dev.sluice.core.spi;

import java.util.Objects;

/**
 * A candidate policy as it is stored for every node ({@link CandidateStore}): the proposed definition of a live
 * policy, the live version it was proposed against, when it started and when it expires. {@code id} is new for every
 * PUT or PATCH, so a node that sees the same id again keeps the state it has and a node that sees a new id starts
 * afresh.
 *
 * @param id              unique per write
 * @param policy          the live policy's name (and the definition's)
 * @param definitionJson  the definition, as {@link dev.sluice.core.config.PolicyWriter#toJson} writes it
 * @param liveVersion     the live policy's version when the candidate was written
 * @param startedAtMillis when it was written, epoch milliseconds
 * @param expiresAtMillis when it ends by itself, epoch milliseconds
 */
public record StoredCandidate(String id, String policy, String definitionJson, long liveVersion,
        long startedAtMillis, long expiresAtMillis) {
    /** Separates the fields of {@link #encode()}; JSON text cannot hold it unescaped. */
    private static final char SEPARATOR = '\u001f';

    public StoredCandidate {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(definitionJson, "definitionJson");
    }

    /** Whether it has expired at {@code nowMillis}. */
    public boolean expiredAt(long nowMillis) {
        return nowMillis >= expiresAtMillis;
    }

    /** One string, so that a cluster stores it without any Sluice class on its members. */
    public String encode() {
        return id + SEPARATOR + policy + SEPARATOR + liveVersion + SEPARATOR + startedAtMillis + SEPARATOR
                + expiresAtMillis + SEPARATOR + definitionJson;
    }

    /**
     * Reads what {@link #encode()} wrote.
     *
     * @throws IllegalArgumentException when {@code text} is not such a string
     */
    public static StoredCandidate decode(String text) {
        String[] parts = text.split(String.valueOf(SEPARATOR), 6);
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a stored candidate: " + parts.length + " fields of 6");
        }
        try {
            return new StoredCandidate(parts[0], parts[1], parts[5], Long.parseLong(parts[2]),
                    Long.parseLong(parts[3]), Long.parseLong(parts[4]));
        } catch (NumberFormatException malformed) {
            throw new IllegalArgumentException("not a stored candidate: " + malformed.getMessage(), malformed);
        }
    }
}
