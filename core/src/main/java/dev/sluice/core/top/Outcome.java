package dev.sluice.core.top;

import java.util.Locale;

/** What a policy decided for a key, as the top endpoint's {@code outcome} parameter names it. */
public enum Outcome {
    ADMITTED,
    REFUSED,
    /** A shadow-mode policy would have refused (the request was admitted). */
    SHADOW_REFUSED;

    private final String wire = name().toLowerCase(Locale.ROOT).replace('_', '-');

    /** {@code admitted}, {@code refused} or {@code shadow-refused}. */
    public String wire() {
        return wire;
    }

    /** The outcome written {@code text}, or null. */
    public static Outcome parse(String text) {
        for (Outcome outcome : values()) {
            if (outcome.wire.equals(text)) {
                return outcome;
            }
        }
        return null;
    }
}
