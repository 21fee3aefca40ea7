package dev.sluice.hazelcast;

import com.hazelcast.config.CompactSerializationConfig;
import com.hazelcast.config.CompactSerializationConfigAccessor;
import com.hazelcast.config.SerializationConfig;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import io.github.bucket4j.grid.hazelcast.HazelcastProxyManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The one place where what Sluice sends through Hazelcast is registered: Sluice's own state, entry processors and
 * messages as Compact types with stable names ({@code sluice.semaphore.*}, {@code sluice.policies.*}), and
 * Bucket4j's serializers with type ids from {@value #BUCKET4J_TYPE_ID_BASE}.
 *
 * <p><b>Every member and client of a cluster Sluice uses needs this jar on its class path and this registration
 * applied to its configuration</b>, because Sluice's entry processors run on the members that own the data. The
 * embedded member and the client that {@link HazelcastCluster#start} creates are registered already; an application
 * that brings its own instance, or an operator who runs the members of an external cluster, calls
 * {@link #register} on the configuration before the instance starts. {@link HazelcastCluster} checks at start-up
 * that every member can run Sluice's processors and fails with a message saying this otherwise.
 */
public final class SluiceSerialization {
    /**
     * The first of the serialization type ids Bucket4j's serializers take; they use a small contiguous range above
     * it. Must be the same on every member and client, and must not collide with the application's own ids.
     */
    public static final int BUCKET4J_TYPE_ID_BASE = 10_000;

    private SluiceSerialization() {}

    /**
     * Registers Sluice's Compact serializers and Bucket4j's serializers on {@code serialization}. Idempotent: a
     * configuration that already has them is left as it is.
     */
    public static void register(SerializationConfig serialization) {
        CompactSerializationConfig compact = serialization.getCompactSerializationConfig();
        if (registered(serialization)) {
            return;
        }
        for (CompactSerializer<?> serializer : serializers()) {
            compact.addSerializer(serializer);
        }
        HazelcastProxyManager.addCustomSerializers(serialization, BUCKET4J_TYPE_ID_BASE);
    }

    /** Whether {@link #register} was applied to {@code serialization}. */
    static boolean registered(SerializationConfig serialization) {
        return CompactSerializationConfigAccessor.getRegistrations(serialization.getCompactSerializationConfig())
                .containsKey(SemaphoreState.TYPE);
    }

    /** Sluice's Compact serializers, with the type names the wire format is bound to. */
    static List<CompactSerializer<?>> serializers() {
        List<CompactSerializer<?>> all = new ArrayList<>();
        all.add(new SemaphoreState.Serializer());
        all.add(new Notice.Batch.Serializer());
        all.addAll(SemaphoreOps.serializers());
        all.addAll(StoredPolicies.serializers());
        return Collections.unmodifiableList(all);
    }
}
