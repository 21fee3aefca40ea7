package dev.sluice.core.local;

import dev.sluice.core.time.Ticker;
import io.github.bucket4j.TimeMeter;

/** Bucket4j's clock on our ticker, so that tests drive refill with a manual clock. */
record TickerTimeMeter(Ticker ticker) implements TimeMeter {
    @Override
    public long currentTimeNanos() {
        return ticker.nanos();
    }

    @Override
    public boolean isWallClockBased() {
        return false;
    }
}
