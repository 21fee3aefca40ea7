package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.config.SerializerConfig;
import com.hazelcast.nio.serialization.SerializerHook;
import io.github.bucket4j.grid.hazelcast.HazelcastProxyManager;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sluice's serializers: stable type ids, a class-path hook for every type, and a registration that can repeat. */
class SluiceSerializationTest {
    private static final String HOOKS = "META-INF/services/com.hazelcast.SerializerHook";

    @Test
    void typeIdsAreStable() {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (Class<?> type : SluiceSerialization.types()) {
            ids.put(type.getName().substring(type.getPackageName().length() + 1), SluiceSerialization.typeId(type));
        }
        Map<String, Integer> expected = new LinkedHashMap<>();
        // null: a retired id (the semaphore entry and its Acquire before fair queues), never given again
        List<String> names = java.util.Arrays.asList(null, "Notice$Batch", "SemaphoreOps$Outcome", null,
                "SemaphoreOps$Release", "SemaphoreOps$Leave", "SemaphoreOps$Renew", "SemaphoreOps$Sweep",
                "SemaphoreOps$Reconfigure", "SemaphoreOps$Poll", "SemaphoreOps$RefuseWaiters", "SemaphoreOps$Read",
                "SemaphoreOps$OnLocalEntries", "StoredPolicies", "StoredPolicies$Outcome", "StoredPolicies$Initialize",
                "StoredPolicies$Write", "SemaphoreState", "SemaphoreOps$Acquire", "RateLine", "RateLineOps$Outcome",
                "RateLineOps$Join", "RateLineOps$Claim", "RateLineOps$Leave", "RateLineOps$Reslot");
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i) != null) {
                expected.put(names.get(i), 10_100 + i);
            }
        }
        assertThat(ids).containsExactlyEntriesOf(expected);
        Map<Class<?>, Integer> bucket4j = new HashMap<>();
        for (SerializerConfig config : SluiceSerialization.bucket4jConfigs()) {
            bucket4j.put(config.getTypeClass(), config.getImplementation().getTypeId());
        }
        assertThat(bucket4j.values()).containsExactlyInAnyOrder(10_000, 10_001, 10_002, 10_003);
        for (Codec<?> codec : SluiceSerialization.serializers()) {
            assertThat(codec.getTypeId()).as(codec.type().getName()).isEqualTo(SluiceSerialization.typeId(codec.type()));
        }
    }

    @Test
    void theJarListsAHookForEveryTypeGivingItsSerializer() throws Exception {
        Map<Class<?>, Integer> hooked = new HashMap<>();
        for (String name : hookClassNames()) {
            SerializerHook<?> hook = (SerializerHook<?>) Class.forName(name).getConstructor().newInstance();
            assertThat(hook.isOverwritable()).as(name + " gives way to a configured serializer").isTrue();
            assertThat(hooked.put(hook.getSerializationType(), hook.createSerializer().getTypeId()))
                    .as("one hook per type: " + name).isNull();
        }
        Map<Class<?>, Integer> configured = new HashMap<>();
        for (SerializerConfig config : SluiceSerialization.serializerConfigs()) {
            configured.put(config.getTypeClass(), config.getImplementation().getTypeId());
        }
        assertThat(configured).hasSize(SluiceSerialization.types().size() + 4);
        assertThat(hooked).isEqualTo(configured);
    }

    @Test
    void registeringTwiceAddsEachSerializerOnce() {
        SerializationConfig config = new SerializationConfig();
        SluiceSerialization.register(config);
        List<SerializerConfig> once = new ArrayList<>(config.getSerializerConfigs());
        SluiceSerialization.register(config);
        assertThat(config.getSerializerConfigs()).containsExactlyElementsOf(once);
        assertThat(once).hasSize(SluiceSerialization.types().size() + 4);
        assertThat(SluiceSerialization.registered(config)).isTrue();
    }

    @Test
    void bucket4jSerializersTheApplicationRegisteredAreKept() {
        SerializationConfig config = new SerializationConfig();
        HazelcastProxyManager.addCustomSerializers(config, 20_000);
        List<SerializerConfig> own = new ArrayList<>(config.getSerializerConfigs());
        SluiceSerialization.register(config);
        assertThat(config.getSerializerConfigs()).containsAll(own)
                .hasSize(SluiceSerialization.types().size() + own.size());
    }

    /** The hooks listed by sluice-hazelcast's own services file (not another jar's). */
    private static List<String> hookClassNames() throws Exception {
        String ours = SluiceSerialization.class.getProtectionDomain().getCodeSource().getLocation().toString();
        List<String> names = new ArrayList<>();
        for (URL url : Collections.list(SluiceSerialization.class.getClassLoader().getResources(HOOKS))) {
            if (!url.toString().contains(ours)) {
                continue;
            }
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(url.openStream(),
                    StandardCharsets.UTF_8))) {
                reader.lines().map(line -> line.replaceAll("#.*", "").trim()).filter(line -> !line.isEmpty())
                        .forEach(names::add);
            }
        }
        assertThat(names).as("hooks listed in " + ours + HOOKS).isNotEmpty();
        return names;
    }
}
