package dev.sluice.core.config;

import java.time.Duration;

/**
 * Durations as configuration writes them: a whole number and a unit, {@code 250ms}, {@code 1s}, {@code 5m},
 * {@code 1h}, {@code 1d}. Nothing else is accepted (no ISO-8601, no fractions, no bare numbers), so a value means
 * one thing everywhere it is written.
 */
public final class Durations {
    private static final long MAX_AMOUNT = 1_000_000_000L;

    private Durations() {}

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException with a message saying what is allowed
     */
    public static Duration parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("must be a duration such as 250ms, 1s, 5m, 1h or 1d");
        }
        int split = 0;
        while (split < text.length() && Character.isDigit(text.charAt(split))) {
            split++;
        }
        if (split == 0 || split > 10) {
            throw new IllegalArgumentException("must be a duration such as 250ms, 1s, 5m, 1h or 1d");
        }
        long amount = Long.parseLong(text, 0, split, 10);
        if (amount > MAX_AMOUNT) {
            throw new IllegalArgumentException("must be a duration such as 250ms, 1s, 5m, 1h or 1d");
        }
        return switch (text.substring(split)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> throw new IllegalArgumentException(
                    "must be a duration such as 250ms, 1s, 5m, 1h or 1d (units: ms, s, m, h, d)");
        };
    }

    /** Writes {@code duration} in the largest unit that represents it exactly, so that parse(format(d)) == d. */
    public static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 86_400_000L == 0 && millis != 0) return millis / 86_400_000L + "d";
        if (millis % 3_600_000L == 0 && millis != 0) return millis / 3_600_000L + "h";
        if (millis % 60_000L == 0 && millis != 0) return millis / 60_000L + "m";
        if (millis % 1_000L == 0 && millis != 0) return millis / 1_000L + "s";
        return millis + "ms";
    }
}
