package dev.sluice.core.local;

import dev.sluice.core.config.Policy;
import dev.sluice.core.spi.PolicyStore;
import dev.sluice.core.spi.VersionConflictException;
import dev.sluice.core.spi.VersionedPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The policy store of a node without a cluster. Writes are serialised; subscribers are called on the writing
 * thread, in order, before the write returns, so a change is live on this node when the management call answers.
 */
public final class LocalPolicyStore implements PolicyStore {
    private final Map<String, VersionedPolicy> policies = new LinkedHashMap<>();
    private final List<Consumer<List<VersionedPolicy>>> listeners = new CopyOnWriteArrayList<>();
    private long revision;
    private boolean initialized;

    @Override
    public synchronized List<VersionedPolicy> initialize(List<Policy> initial) {
        if (!initialized && policies.isEmpty()) {
            for (Policy policy : initial) {
                policies.put(policy.name(), new VersionedPolicy(policy, ++revision));
            }
        }
        initialized = true;
        return list();
    }

    @Override
    public synchronized List<VersionedPolicy> list() {
        return List.copyOf(policies.values());
    }

    @Override
    public synchronized Optional<VersionedPolicy> get(String name) {
        return Optional.ofNullable(policies.get(name));
    }

    @Override
    public synchronized VersionedPolicy put(Policy policy, Long expectedVersion) {
        VersionedPolicy current = policies.get(policy.name());
        check(policy.name(), expectedVersion, current);
        VersionedPolicy written = new VersionedPolicy(policy, ++revision);
        policies.put(policy.name(), written);
        publish();
        return written;
    }

    @Override
    public synchronized Optional<VersionedPolicy> delete(String name, Long expectedVersion) {
        VersionedPolicy current = policies.get(name);
        check(name, expectedVersion, current);
        if (current == null) {
            return Optional.empty();
        }
        policies.remove(name);
        revision++;
        publish();
        return Optional.of(current);
    }

    private static void check(String name, Long expected, VersionedPolicy current) {
        if (expected == null) {
            return;
        }
        Long actual = current == null ? null : current.version();
        boolean holds = expected == 0 ? current == null : actual != null && actual.longValue() == expected;
        if (!holds) {
            throw new VersionConflictException(name, expected, actual);
        }
    }

    private void publish() {
        List<VersionedPolicy> snapshot = List.copyOf(policies.values());
        for (Consumer<List<VersionedPolicy>> listener : listeners) {
            listener.accept(snapshot);
        }
    }

    @Override
    public AutoCloseable subscribe(Consumer<List<VersionedPolicy>> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public void close() {
        listeners.clear();
    }
}
