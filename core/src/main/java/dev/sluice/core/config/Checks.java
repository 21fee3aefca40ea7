package dev.sluice.core.config;

import java.time.Duration;

/** The argument checks configuration records share; each failure names the field and what is allowed. */
final class Checks {
    private Checks() {}

    static long positive(String field, long value, long max) {
        if (value < 1 || value > max) {
            throw new FieldException(field, "must be an integer from 1 to " + max, value);
        }
        return value;
    }

    static int positive(String field, int value, int max) {
        return (int) positive(field, (long) value, max);
    }

    static int atLeastZero(String field, int value, int max) {
        if (value < 0 || value > max) {
            throw new FieldException(field, "must be an integer from 0 to " + max, value);
        }
        return value;
    }

    static Duration between(String field, Duration value, Duration min, Duration max) {
        if (value == null) {
            throw new FieldException(field, "is required", null);
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new FieldException(field, "must be a duration from " + Durations.format(min) + " to "
                    + Durations.format(max), Durations.format(value));
        }
        return value;
    }

    static <T> T required(String field, T value) {
        if (value == null) {
            throw new FieldException(field, "is required", null);
        }
        return value;
    }
}
