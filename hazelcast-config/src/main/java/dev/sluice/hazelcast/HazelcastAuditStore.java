package dev.sluice.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.ringbuffer.OverflowPolicy;
import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import dev.sluice.core.spi.AuditStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The management audit in Ringbuffer {@value MapNames#AUDIT} (no CP subsystem needed): entries are JSON strings (no
 * Sluice class on the members), the oldest overwritten once it is full. Its capacity and backups are the cluster's
 * configuration: Sluice's default member configuration keeps 1000 entries with one backup, so the entries outlive
 * the member that took them as long as one other member runs; Hazelcast's own default is 10,000. Thread-safe; no
 * method blocks (reads of the sequences run on {@link ClusterReads}).
 */
final class HazelcastAuditStore implements AuditStore {
    /** The most items one Hazelcast read returns. */
    private static final int BATCH = 1000;
    private static final long READ_TIMEOUT_SECONDS = 10;

    private final Ringbuffer<String> ringbuffer;
    private final ClusterReads reads;

    HazelcastAuditStore(HazelcastInstance hazelcast, ClusterReads reads) {
        this.ringbuffer = hazelcast.getRingbuffer(MapNames.AUDIT);
        this.reads = reads;
    }

    @Override
    public CompletableFuture<Void> append(String entryJson) {
        try {
            return ringbuffer.addAsync(entryJson, OverflowPolicy.OVERWRITE).toCompletableFuture()
                    .thenApply(sequence -> null);
        } catch (RuntimeException failure) {
            return CompletableFuture.failedFuture(failure);
        }
    }

    @Override
    public CompletableFuture<List<String>> newest(int max) {
        return reads.run(() -> {
            long tail = ringbuffer.tailSequence();
            long head = ringbuffer.headSequence();
            long start = Math.max(head, tail - max + 1);
            List<String> entries = new ArrayList<>();
            try {
                for (long next = start; next <= tail; ) {
                    int count = (int) Math.min(BATCH, tail - next + 1);
                    ReadResultSet<String> batch = ringbuffer.readManyAsync(next, 0, count, null)
                            .toCompletableFuture().get(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    if (batch.readCount() == 0) {
                        break;
                    }
                    for (String entry : batch) {
                        entries.add(entry);
                    }
                    next = batch.getNextSequenceToReadFrom();
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the audit", interrupted);
            } catch (Exception failure) {
                throw new IllegalStateException("could not read the audit: " + failure, failure);
            }
            Collections.reverse(entries);
            return entries;
        });
    }
}
