package dev.sluice.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import dev.sluice.core.versions.SupportedRange;
import dev.sluice.core.versions.VersionCheck;
import io.github.bucket4j.grid.hazelcast.HazelcastProxyManager;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.timelimiter.TimeLimiter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The versions of Hazelcast, Bucket4j and Resilience4j the cluster backend is tested with (those sluice-bom
 * manages, within the minor version): checked when a backend is created, see {@link VersionCheck}.
 */
final class HazelcastVersions {
    static final SupportedRange HAZELCAST =
            new SupportedRange("Hazelcast", "com.hazelcast:hazelcast", "5.7.0", "5.8", "hazelcast.version");
    static final SupportedRange BUCKET4J_HAZELCAST =
            new SupportedRange("Bucket4j Hazelcast", "com.bucket4j:bucket4j_jdk17-hazelcast", "8.17.0", "8.20");
    static final SupportedRange RESILIENCE4J_CIRCUITBREAKER =
            new SupportedRange("Resilience4j", "io.github.resilience4j:resilience4j-circuitbreaker", "2.4.0", "2.5");
    static final SupportedRange RESILIENCE4J_TIMELIMITER =
            new SupportedRange("Resilience4j", "io.github.resilience4j:resilience4j-timelimiter", "2.4.0", "2.5");

    private HazelcastVersions() {}

    /** @throws IllegalStateException naming each library out of range and the BOM import that fixes it */
    static void require() {
        VersionCheck.require(found());
    }

    /** Every checked library with the version found on the class path. */
    static Map<SupportedRange, String> found() {
        Map<SupportedRange, String> found = new LinkedHashMap<>();
        found.put(HAZELCAST, VersionCheck.versionOf(HazelcastInstance.class, HAZELCAST.coordinates()));
        found.put(VersionCheck.BUCKET4J,
                VersionCheck.versionOf(io.github.bucket4j.Bucket.class, VersionCheck.BUCKET4J.coordinates()));
        found.put(BUCKET4J_HAZELCAST,
                VersionCheck.versionOf(HazelcastProxyManager.class, BUCKET4J_HAZELCAST.coordinates()));
        found.put(RESILIENCE4J_CIRCUITBREAKER,
                VersionCheck.versionOf(CircuitBreaker.class, RESILIENCE4J_CIRCUITBREAKER.coordinates()));
        found.put(RESILIENCE4J_TIMELIMITER,
                VersionCheck.versionOf(TimeLimiter.class, RESILIENCE4J_TIMELIMITER.coordinates()));
        return found;
    }
}
