package dev.sluice.core.spi;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The audit of accepted management changes, shared by every node: bounded (the oldest entries drop out), kept
 * where the node that took a change is not needed to read it. Entries are JSON objects, opaque here. Thread-safe; no
 * method blocks.
 */
public interface AuditStore {
    /** Adds one entry; completes when the store holds it (with its backups). */
    CompletableFuture<Void> append(String entryJson);

    /** Up to {@code max} of the newest entries (at most what the store keeps), newest first. */
    CompletableFuture<List<String>> newest(int max);
}
