package dev.sluice.core.management;

import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicyWriter;
import dev.sluice.core.spi.AuditStore;
import dev.sluice.core.spi.VersionedPolicy;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepted changes of the management API: each is logged at INFO and kept for {@code GET /audit}, newest first.
 * With a cluster's {@link AuditStore} the entries live in the cluster, bounded by its capacity, so every node shows
 * every node's changes and they outlive the node that took them; without one they live in this JVM, at most
 * {@code capacity} of them, and are lost on restart. Either way the log is the full record. Thread-safe.
 */
final class AuditLog {
    /** The most entries one read returns. */
    static final int MAX_READ = 1000;
    /** The most entries of a cluster's store a read by policy looks through. */
    static final int MAX_SCAN = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(ManagementService.class);

    private final int capacity;
    private final Clock clock;
    private final AuditStore store;
    private final Deque<Map<String, Object>> entries = new ArrayDeque<>();

    /** @param store the cluster's store, or null to keep entries in memory */
    AuditLog(int capacity, Clock clock, AuditStore store) {
        this.capacity = capacity;
        this.clock = clock;
        this.store = store;
    }

    /**
     * Records one accepted change: {@code time}, {@code who}, {@code token}, {@code address}, {@code action},
     * {@code policy}, {@code version-before}, {@code version}, {@code before}, {@code after} and {@code extra}.
     *
     * @param caller who made the change: principal or token name, and address
     * @param action {@code put}, {@code patch}, {@code delete} or {@code reset-key}
     * @param before the version replaced or removed, or null
     * @param after  what was written, or null (a delete, a key reset)
     * @param extra  further members of the entry, e.g. the key that was reset
     * @return completes when the entry is stored (at once without a cluster); never fails, a failure is logged
     */
    CompletableFuture<Void> record(Caller caller, String action, String policy, VersionedPolicy before,
            VersionedPolicy after, Map<String, Object> extra) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("time", clock.instant().toString());
        entry.put("who", caller.who());
        entry.put("token", caller.token());
        entry.put("address", caller.address());
        entry.put("action", action);
        entry.put("policy", policy);
        entry.put("version-before", before == null ? null : before.version());
        entry.put("version", after == null ? null : after.version());
        entry.put("before", before == null ? null : PolicyWriter.toTree(before.policy()));
        entry.put("after", after == null ? null : PolicyWriter.toTree(after.policy()));
        entry.putAll(extra);
        String json = Json.write(entry);
        LOG.info("Sluice management: {}{} of policy '{}' by {} (token {}) from {}: version {} -> {}; before {} "
                + "after {}", action, extra.isEmpty() ? "" : " " + extra, policy, caller.who(), caller.token(),
                caller.address(), entry.get("version-before"), entry.get("version"),
                Json.write(entry.get("before")), Json.write(entry.get("after")));
        if (store != null) {
            try {
                return store.append(json).exceptionally(failure -> {
                    LOG.warn("Sluice management: the cluster did not store the audit entry ({}); the log above "
                            + "has it", failure.toString());
                    return null;
                });
            } catch (RuntimeException failure) {
                LOG.warn("Sluice management: the cluster did not store the audit entry ({})", failure.toString());
                return CompletableFuture.completedFuture(null);
            }
        }
        if (capacity > 0) {
            synchronized (entries) {
                entries.addFirst(entry);
                while (entries.size() > capacity) {
                    entries.removeLast();
                }
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Up to {@code limit} entries, newest first, of one policy or (null) all. */
    CompletableFuture<List<Map<String, Object>>> entries(String policy, int limit) {
        if (store == null) {
            List<Map<String, Object>> list = new ArrayList<>();
            synchronized (entries) {
                for (Map<String, Object> entry : entries) {
                    if (list.size() == limit) {
                        break;
                    }
                    if (policy == null || policy.equals(entry.get("policy"))) {
                        list.add(entry);
                    }
                }
            }
            return CompletableFuture.completedFuture(list);
        }
        // filtering by policy reads up to MAX_SCAN of the newest entries and keeps the newest matches
        return store.newest(policy == null ? limit : MAX_SCAN).thenApply(jsons -> {
            List<Map<String, Object>> list = new ArrayList<>();
            for (String json : jsons) {
                if (list.size() == limit) {
                    break;
                }
                Map<String, Object> entry = Json.readObject(json);
                if (entry != null && (policy == null || policy.equals(entry.get("policy")))) {
                    list.add(entry);
                }
            }
            return list;
        });
    }
}
