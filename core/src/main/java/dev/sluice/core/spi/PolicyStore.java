package dev.sluice.core.spi;

import dev.sluice.core.config.Policy;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the live policy set is kept: in this JVM ({@code LocalPolicyStore}) or replicated across the cluster. A
 * write returns only once it is stored (in the cluster: with its backups), and every node's subscribers then see
 * it. Thread-safe.
 */
public interface PolicyStore extends AutoCloseable {
    /**
     * Seeds an empty store with {@code initial} (the start-up configuration) and returns what the store holds:
     * {@code initial} when it was empty, otherwise what another node or an earlier change put there, so that a node
     * joining a running cluster follows the cluster.
     */
    List<VersionedPolicy> initialize(List<Policy> initial);

    /** Every policy, in declaration order (new policies go last). */
    List<VersionedPolicy> list();

    Optional<VersionedPolicy> get(String name);

    /**
     * Creates or replaces a policy, keeping its position in the order.
     *
     * @param expectedVersion null to write unconditionally, 0 to require that the policy does not exist, else the
     *                        version the caller last saw
     * @throws VersionConflictException when the condition does not hold; nothing is written
     */
    VersionedPolicy put(Policy policy, Long expectedVersion);

    /**
     * Removes a policy.
     *
     * @return the removed policy, or empty when there was none (and no version was expected)
     * @throws VersionConflictException when {@code expectedVersion} is set and does not match
     */
    Optional<VersionedPolicy> delete(String name, Long expectedVersion);

    /**
     * Calls {@code listener} with the whole current list after every change, from any node, on a store thread.
     * The listener must not block. Returns a handle that unsubscribes.
     */
    AutoCloseable subscribe(Consumer<List<VersionedPolicy>> listener);

    @Override
    void close();
}
