package dev.sluice.core.management;

import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicyWriter;
import dev.sluice.core.spi.VersionedPolicy;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepted changes of this node's management API: each is logged at INFO and kept in a bounded list, newest
 * first, for {@code GET /audit}. The list lives in this JVM only and is lost on restart; the log is the record.
 * Thread-safe.
 */
final class AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(ManagementService.class);

    private final int capacity;
    private final Clock clock;
    private final Deque<Map<String, Object>> entries = new ArrayDeque<>();

    AuditLog(int capacity, Clock clock) {
        this.capacity = capacity;
        this.clock = clock;
    }

    /**
     * Records one accepted change.
     *
     * @param caller who made the change: principal or token name, and address
     * @param action {@code put}, {@code patch}, {@code delete} or {@code reset-key}
     * @param before the definition replaced or removed, or null
     * @param after  what was written, or null (a delete, a key reset)
     * @param extra  further members of the entry, e.g. the key that was reset
     */
    void record(Caller caller, String action, String policy, Policy before, VersionedPolicy after,
            Map<String, Object> extra) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("time", clock.instant().toString());
        entry.put("who", caller.who());
        entry.put("token", caller.token());
        entry.put("address", caller.address());
        entry.put("action", action);
        entry.put("policy", policy);
        entry.put("version", after == null ? null : after.version());
        entry.put("before", before == null ? null : PolicyWriter.toTree(before));
        entry.put("after", after == null ? null : PolicyWriter.toTree(after.policy()));
        entry.putAll(extra);
        LOG.info("Sluice management: {}{} of policy '{}' by {} (token {}) from {} -> version {}; before {} after {}",
                action, extra.isEmpty() ? "" : " " + extra, policy, caller.who(), caller.token(), caller.address(),
                entry.get("version"),
                Json.write(entry.get("before")), Json.write(entry.get("after")));
        if (capacity == 0) {
            return;
        }
        synchronized (entries) {
            entries.addFirst(entry);
            while (entries.size() > capacity) {
                entries.removeLast();
            }
        }
    }

    /** The kept entries, newest first. */
    List<Map<String, Object>> entries() {
        synchronized (entries) {
            return new ArrayList<>(entries);
        }
    }
}
