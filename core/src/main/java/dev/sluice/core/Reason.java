package dev.sluice.core;

/** Why a request was refused (or, in shadow mode, would have been). */
public enum Reason {
    RATE("rate", 429, "Rate limit exceeded"),
    QUOTA("quota", 429, "Quota exhausted"),
    CONCURRENCY("concurrency", 503, "Too many concurrent requests"),
    QUEUE_FULL("queue-full", 503, "Queue full"),
    QUEUE_TIMEOUT("queue-timeout", 503, "Waited too long in the queue"),
    BAD_KEY("bad-key", 400, "Request lacks the key of a rate-limit policy"),
    BACKEND_FAILURE("backend-failure", 503, "Rate-limit backend unavailable");

    private final String wire;
    private final int defaultStatus;
    private final String title;

    Reason(String wire, int defaultStatus, String title) {
        this.wire = wire;
        this.defaultStatus = defaultStatus;
        this.title = title;
    }

    /** The name used in problem bodies, metrics and configuration, e.g. {@code queue-full}. */
    public String wire() { return wire; }

    /** The status a refusal answers unless the policy's {@code reject.status} says otherwise. */
    public int defaultStatus() { return defaultStatus; }

    /** The problem body's title. */
    public String title() { return title; }
}
