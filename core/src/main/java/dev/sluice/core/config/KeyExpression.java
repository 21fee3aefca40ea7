package dev.sluice.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A policy's key: one or more {@link KeyPart}s joined with {@code +}, e.g. {@code header:X-Api-Key+ip}. A request's
 * key is the values of its parts; requests with the same key share one bucket and one semaphore per policy.
 */
public record KeyExpression(List<KeyPart> parts) {
    public static final KeyExpression GLOBAL = new KeyExpression(List.of(new KeyPart(KeyPart.Kind.GLOBAL, null)));

    public KeyExpression {
        parts = List.copyOf(Checks.required("key", parts));
        if (parts.isEmpty() || parts.size() > 8) {
            throw new FieldException("key", "must have 1 to 8 parts joined with '+'", parts.size());
        }
    }

    /**
     * Parses {@code ip}, {@code header:NAME}, {@code param:NAME}, {@code cookie:NAME}, {@code principal},
     * {@code path}, {@code method}, {@code global}, or several joined with {@code +}.
     *
     * @throws FieldException naming field {@code key}
     */
    public static KeyExpression parse(String text) {
        if (text == null || text.isBlank()) {
            throw new FieldException("key", "must be one of ip, header:NAME, param:NAME, cookie:NAME, principal, "
                    + "path, method, global, or several joined with '+'", text);
        }
        List<KeyPart> parts = new ArrayList<>();
        for (String piece : text.split("\\+", -1)) {
            String trimmed = piece.strip();
            int colon = trimmed.indexOf(':');
            String word = (colon < 0 ? trimmed : trimmed.substring(0, colon)).toLowerCase(Locale.ROOT);
            String name = colon < 0 ? null : trimmed.substring(colon + 1).strip();
            KeyPart.Kind kind = null;
            for (KeyPart.Kind candidate : KeyPart.Kind.values()) {
                if (candidate.word().equals(word)) {
                    kind = candidate;
                }
            }
            if (kind == null) {
                throw new FieldException("key", "has an unknown part; allowed: ip, header:NAME, param:NAME, "
                        + "cookie:NAME, principal, path, method, global", trimmed);
            }
            parts.add(new KeyPart(kind, name));
        }
        return new KeyExpression(parts);
    }

    /** True when the key is the single part {@code global}. */
    public boolean isGlobal() {
        return parts.size() == 1 && parts.get(0).kind() == KeyPart.Kind.GLOBAL;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (KeyPart part : parts) {
            if (text.length() > 0) {
                text.append('+');
            }
            text.append(part);
        }
        return text.toString();
    }
}
