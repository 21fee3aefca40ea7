package dev.sluice.filter;

import java.util.function.BooleanSupplier;

/** Bounded waiting for a condition that another thread makes true. */
final class Await {
    static final long TIMEOUT_MILLIS = 20_000;

    private Await() {}

    static void until(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT_MILLIS * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + TIMEOUT_MILLIS + " ms waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }
}
