package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HazelcastVersionsTest {
    @Test
    void theBuildsOwnLibrariesAreFoundAndInTheSupportedRanges() {
        Map<dev.sluice.core.versions.SupportedRange, String> found = HazelcastVersions.found();
        assertThat(found).hasSize(5);
        found.forEach((range, version) -> assertThat(version).as(range.coordinates()).isNotBlank()
                .satisfies(v -> assertThat(range.contains(v)).as(range.coordinates() + " " + v).isTrue()));
        assertThat(found.get(HazelcastVersions.HAZELCAST)).startsWith("5.7.");
        assertThatCode(HazelcastVersions::require).doesNotThrowAnyException();
    }
}
