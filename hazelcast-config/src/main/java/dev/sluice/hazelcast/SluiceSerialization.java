package dev.sluice.hazelcast;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.config.SerializerConfig;
import com.hazelcast.nio.serialization.Serializer;
import io.github.bucket4j.grid.hazelcast.HazelcastProxyManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The one place where what Sluice sends through Hazelcast gets its serializers: Sluice's own state, entry processors
 * and messages, with type ids from {@value #SLUICE_TYPE_ID_BASE}, and Bucket4j's entry processors, with type ids
 * from {@value #BUCKET4J_TYPE_ID_BASE}. Keep the application's own type ids clear of 10000–10199.
 *
 * <p><b>Every member and client of a cluster Sluice uses needs sluice-hazelcast (and Bucket4j) on its class
 * path</b>, because Sluice's entry processors run on the members that own the data. Nothing else is needed: the jar
 * lists {@link SerializerHooks} in {@code META-INF/services/com.hazelcast.SerializerHook}, which Hazelcast loads from
 * the class path of every member and client it starts, so a stock member started from a plain configuration file
 * serializes Sluice's types. {@link #register} puts the same serializers into a configuration explicitly (for a
 * class loader Hazelcast does not search for hooks); applying it where the hooks are found as well is harmless.
 * {@link HazelcastCluster} checks at start-up that every member can run Sluice's processors.
 */
public final class SluiceSerialization {
    /**
     * The first of the serialization type ids Bucket4j's serializers take; they use a small contiguous range above
     * it. Must be the same on every member and client, and must not collide with the application's own ids.
     */
    public static final int BUCKET4J_TYPE_ID_BASE = 10_000;

    /** The type id of the first of Sluice's own types; the others follow it, one id each. */
    public static final int SLUICE_TYPE_ID_BASE = 10_100;

    /** Holds the place of a type id that is no longer used (its type was removed or changed its wire form). */
    private static final class Retired {
        private Retired() {}
    }

    /**
     * Sluice's types; each one's type id is {@link #SLUICE_TYPE_ID_BASE} plus its index here. Append only: a type
     * that is removed or changes its wire form leaves its id unused ({@link Retired}), so that a node of another
     * version fails loudly on a form it cannot read instead of misreading it.
     *
     * <p>Retired: 10100 (the semaphore entry before fair queues: waiters without flows), 10103 (its
     * {@code Acquire}, without a flow).
     */
    private static final List<Class<?>> TYPES = List.of(
            Retired.class,
            Notice.Batch.class,
            SemaphoreOps.Outcome.class,
            Retired.class,
            SemaphoreOps.Release.class,
            SemaphoreOps.Leave.class,
            SemaphoreOps.Renew.class,
            SemaphoreOps.Sweep.class,
            SemaphoreOps.Reconfigure.class,
            SemaphoreOps.Poll.class,
            SemaphoreOps.RefuseWaiters.class,
            SemaphoreOps.Read.class,
            SemaphoreOps.OnLocalEntries.class,
            StoredPolicies.class,
            StoredPolicies.Outcome.class,
            StoredPolicies.Initialize.class,
            StoredPolicies.Write.class,
            SemaphoreState.class,
            SemaphoreOps.Acquire.class,
            RateLine.class,
            RateLineOps.Outcome.class,
            RateLineOps.Join.class,
            RateLineOps.Claim.class,
            RateLineOps.Leave.class,
            RateLineOps.Reslot.class);

    private SluiceSerialization() {}

    /**
     * Adds Sluice's serializers and Bucket4j's to {@code serialization}, each one only when the configuration has
     * no serializer for its type yet: calling it twice, or on a configuration that already registers Bucket4j's
     * serializers, changes nothing more. Serializers found through Hazelcast's class-path hooks give way to these.
     */
    public static void register(SerializationConfig serialization) {
        for (SerializerConfig wanted : serializerConfigs()) {
            if (!configured(serialization, wanted.getTypeClass())) {
                serialization.addSerializerConfig(wanted);
            }
        }
    }

    /** Whether {@link #register} was applied to {@code serialization}. */
    static boolean registered(SerializationConfig serialization) {
        return configured(serialization, SemaphoreState.class);
    }

    private static boolean configured(SerializationConfig serialization, Class<?> type) {
        for (SerializerConfig existing : serialization.getSerializerConfigs()) {
            if (existing.getTypeClass() == type || type.getName().equals(existing.getTypeClassName())) {
                return true;
            }
        }
        return false;
    }

    /** Every serializer Sluice needs, Sluice's own and Bucket4j's, as configuration entries. */
    static List<SerializerConfig> serializerConfigs() {
        List<SerializerConfig> all = new ArrayList<>();
        for (Codec<?> codec : serializers()) {
            all.add(new SerializerConfig().setTypeClass(codec.type()).setImplementation(codec));
        }
        all.addAll(bucket4jConfigs());
        return all;
    }

    /** Bucket4j's serializers with Sluice's type id base, as Bucket4j itself registers them. */
    static List<SerializerConfig> bucket4jConfigs() {
        SerializationConfig scratch = new SerializationConfig();
        HazelcastProxyManager.addCustomSerializers(scratch, BUCKET4J_TYPE_ID_BASE);
        return List.copyOf(scratch.getSerializerConfigs());
    }

    /** Sluice's serializers, one per type of {@link #TYPES}. */
    static List<Codec<?>> serializers() {
        List<Codec<?>> all = new ArrayList<>();
        all.add(SemaphoreState.CODEC);
        all.add(Notice.Batch.CODEC);
        all.addAll(SemaphoreCodecs.serializers());
        all.addAll(StoredPolicies.serializers());
        all.addAll(RateLineOps.serializers());
        return Collections.unmodifiableList(all);
    }

    /** The serializer of {@code type}, one of Sluice's types or one of Bucket4j's. */
    static Serializer serializerFor(Class<?> type) {
        for (SerializerConfig config : serializerConfigs()) {
            if (config.getTypeClass() == type) {
                return config.getImplementation();
            }
        }
        throw new IllegalArgumentException("Sluice has no serializer for " + type.getName());
    }

    /** The stable type id of one of Sluice's types. */
    static int typeId(Class<?> type) {
        int index = TYPES.indexOf(type);
        if (index < 0 || type == Retired.class) {
            throw new IllegalArgumentException(type.getName() + " is not one of Sluice's serialized types");
        }
        return SLUICE_TYPE_ID_BASE + index;
    }

    /** Sluice's serialized types, in type id order (the retired ids left out). */
    static List<Class<?>> types() {
        return TYPES.stream().filter(type -> type != Retired.class).toList();
    }
}
