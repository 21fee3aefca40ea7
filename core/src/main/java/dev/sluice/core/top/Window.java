package dev.sluice.core.top;

/**
 * The recent windows top keys are counted over. Counts are kept in 10-second slots (the last minute) and one-minute
 * slots (the last ten), so a window ends now and reaches back its length, give or take one slot: {@code 1m} covers
 * between 50 and 60 s, {@code 10m} between 9 and 10 minutes.
 */
public enum Window {
    ONE_MINUTE("1m"),
    TEN_MINUTES("10m");

    private final String wire;

    Window(String wire) {
        this.wire = wire;
    }

    /** {@code 1m} or {@code 10m}. */
    public String wire() {
        return wire;
    }

    /** The window written {@code text}, or null. */
    public static Window parse(String text) {
        for (Window window : values()) {
            if (window.wire.equals(text)) {
                return window;
            }
        }
        return null;
    }
}
