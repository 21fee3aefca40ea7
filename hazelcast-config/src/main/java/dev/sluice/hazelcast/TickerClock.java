package dev.sluice.hazelcast;

import dev.sluice.core.time.Ticker;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler's ticker as a {@link Clock}, so that the circuit breaker's open time ({@link ClusterGuard}) passes as
 * the backend's time does: the wall clock in production, a test's manual clock in tests. Its instants count from
 * the epoch by the ticker's nanoseconds; only their differences mean anything.
 */
final class TickerClock extends Clock {
    private final Ticker ticker;

    TickerClock(Ticker ticker) {
        this.ticker = ticker;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochSecond(0, ticker.nanos());
    }

    @Override
    public long millis() {
        return TimeUnit.NANOSECONDS.toMillis(ticker.nanos());
    }
}
