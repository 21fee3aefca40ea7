package dev.sluice.core.versions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VersionCheckTest {
    private static final SupportedRange HAZELCAST =
            new SupportedRange("Hazelcast", "com.hazelcast:hazelcast", "5.7.0", "5.8", "hazelcast.version");
    private static final SupportedRange RESILIENCE4J =
            new SupportedRange("Resilience4j", "io.github.resilience4j:resilience4j-circuitbreaker", "2.4.0", "2.5");

    @Test
    void rangeIncludesItsLowestAndExcludesItsUpperBound() {
        assertThat(HAZELCAST.contains("5.7.0")).isTrue();
        assertThat(HAZELCAST.contains("5.7")).isTrue();
        assertThat(HAZELCAST.contains("5.7.9")).isTrue();
        assertThat(HAZELCAST.contains("5.8.0")).isFalse();
        assertThat(HAZELCAST.contains("5.6.0")).isFalse();
        assertThat(HAZELCAST.contains("5.5.0")).isFalse();
        assertThat(HAZELCAST.contains("6.0.0")).isFalse();
        assertThat(HAZELCAST.notation()).isEqualTo("[5.7.0,5.8)");
    }

    @Test
    void versionsCompareNumericallyAndIgnoreQualifiers() {
        SupportedRange wide = new SupportedRange("X", "g:a", "5.9.0", "5.20");
        assertThat(wide.contains("5.10.1")).isTrue();
        assertThat(HAZELCAST.contains("5.7.1-SNAPSHOT")).isTrue();
        assertThat(HAZELCAST.contains("5.7.0.Final")).isTrue();
        assertThat(HAZELCAST.contains("5.8.0-BETA-1")).isFalse();
        assertThat(HAZELCAST.contains("unknown")).isFalse();
        assertThat(SupportedRange.compare("8.19.0", "8.20")).isNegative();
        assertThat(SupportedRange.compare("8.2", "8.17.0")).isNegative();
    }

    @Test
    void aRangeWhoseBoundsAreReversedIsRefused() {
        assertThatThrownBy(() -> new SupportedRange("X", "g:a", "5.8", "5.7.0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5.8").hasMessageContaining("5.7.0");
    }

    @Test
    void versionsInRangePass() {
        assertThatCode(() -> VersionCheck.require(found("5.7.0", "2.4.0"), false)).doesNotThrowAnyException();
    }

    @Test
    void versionsOutOfRangeFailNamingEachTheRangeAndTheBomImport() {
        assertThatThrownBy(() -> VersionCheck.require(found("5.5.0", "2.3.0"), false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Hazelcast 5.5.0 (com.hazelcast:hazelcast; supported: [5.7.0,5.8))")
                .hasMessageContaining("Resilience4j 2.3.0 (io.github.resilience4j:resilience4j-circuitbreaker; "
                        + "supported: [2.4.0,2.5))")
                .hasMessageContaining("<dependency><groupId>dev.sluice</groupId><artifactId>sluice-bom</artifactId>")
                .hasMessageContaining("<type>pom</type><scope>import</scope></dependency>")
                .hasMessageContaining("platform(\"dev.sluice:sluice-bom:")
                .hasMessageContaining("on spring-boot-starter-parent, whose versions an import cannot override, also "
                        + "set <hazelcast.version>5.7.0</hazelcast.version> in <properties>")
                .hasMessageContaining("-Dsluice.skip-version-check=true");
    }

    @Test
    void onlyTheLibrariesOutOfRangeAreNamed() {
        assertThatThrownBy(() -> VersionCheck.require(found("5.7.0", "2.3.0"), false))
                .hasMessageContaining("Resilience4j 2.3.0").hasMessageNotContaining("Hazelcast 5.7.0")
                .hasMessageNotContaining("spring-boot-starter-parent");
    }

    @Test
    void jarsOfOneLibraryAtOneVersionAreNamedTogether() {
        Map<SupportedRange, String> found = new LinkedHashMap<>();
        found.put(RESILIENCE4J, "2.3.0");
        found.put(new SupportedRange("Resilience4j", "io.github.resilience4j:resilience4j-timelimiter", "2.4.0", "2.5"),
                "2.3.0");
        assertThatThrownBy(() -> VersionCheck.require(found, false)).hasMessageContaining("Resilience4j 2.3.0 ("
                + "io.github.resilience4j:resilience4j-circuitbreaker, io.github.resilience4j:resilience4j-timelimiter; "
                + "supported: [2.4.0,2.5))");
    }

    @Test
    void theSkipSwitchStartsAnywayOnAVersionOutOfRange() {
        assertThatCode(() -> VersionCheck.require(found("5.5.0", "2.3.0"), true)).doesNotThrowAnyException();
    }

    @Test
    void aVersionThatCannotBeToldIsAcceptedAndReported() {
        List<String> unknown = new ArrayList<>();
        assertThat(VersionCheck.problem(found(null, "2.4.0"), unknown)).isEmpty();
        assertThat(unknown).containsExactly("Hazelcast (com.hazelcast:hazelcast)");
    }

    @Test
    void theVersionOfAJarComesFromItsManifestOrItsPomProperties() {
        // Bucket4j's jar names its version in the manifest and in pom.properties.
        assertThat(VersionCheck.versionOf(io.github.bucket4j.Bucket.class, VersionCheck.BUCKET4J.coordinates()))
                .isNotBlank().satisfies(version -> assertThat(VersionCheck.BUCKET4J.contains(version)).isTrue());
        assertThat(VersionCheck.versionOf(VersionCheckTest.class, "no.such:artifact")).isNull();
    }

    /** A type in its own jar, loaded by a loader of its own, so its package takes that jar's manifest. */
    public static final class Shaded {
    }

    @Test
    void aShadedJarIsJudgedByTheLibrarysPomPropertiesNotTheUberJarsManifest(@TempDir Path dir) throws Exception {
        String name = Shaded.class.getName().replace('.', '/') + ".class";
        byte[] bytes;
        try (InputStream in = VersionCheckTest.class.getClassLoader().getResourceAsStream(name)) {
            bytes = in.readAllBytes();
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, "0.1.0-SNAPSHOT");
        Path jar = dir.resolve("uber.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.putNextEntry(new JarEntry(name));
            out.write(bytes);
            out.putNextEntry(new JarEntry("META-INF/maven/com.example/shaded-lib/pom.properties"));
            out.write("groupId=com.example\nartifactId=shaded-lib\nversion=8.18.0\n".getBytes(StandardCharsets.UTF_8));
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            Class<?> shaded = loader.loadClass(Shaded.class.getName());
            assertThat(shaded.getPackage().getImplementationVersion()).isEqualTo("0.1.0-SNAPSHOT");
            assertThat(VersionCheck.versionOf(shaded, "com.example:shaded-lib")).isEqualTo("8.18.0");
            assertThat(VersionCheck.versionOf(shaded, "com.example:absent")).as("no pom.properties: the manifest")
                    .isEqualTo("0.1.0-SNAPSHOT");
            URL uber = jar.toUri().toURL();
            assertThat(VersionCheck.versionOf(shaded, "com.example:absent", uber))
                    .as("no pom.properties, in Sluice's own jar: the manifest is the uber jar's, so unknown").isNull();
            assertThat(VersionCheck.versionOf(shaded, "com.example:shaded-lib", uber)).isEqualTo("8.18.0");
        }
    }

    @Test
    void theCoreCheckPassesOnTheBuildsOwnBucket4j() {
        assertThatCode(VersionCheck::requireCore).doesNotThrowAnyException();
    }

    private static Map<SupportedRange, String> found(String hazelcast, String resilience4j) {
        Map<SupportedRange, String> found = new LinkedHashMap<>();
        found.put(HAZELCAST, hazelcast);
        found.put(RESILIENCE4J, resilience4j);
        return found;
    }
}
