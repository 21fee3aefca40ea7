package dev.sluice.core.versions;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses to start on a library version Sluice is not tested with (typically an older Hazelcast or Resilience4j that
 * Spring Boot's or Spring Cloud's BOM chose), naming the version found, the range supported and the line that fixes
 * it: importing {@code sluice-bom} before those BOMs.
 *
 * <p>{@code -D}{@value #SKIP_PROPERTY}{@code =true} turns the refusal into a WARN. A version that cannot be told
 * (a repackaged jar without a manifest version) is logged at WARN and accepted.
 */
public final class VersionCheck {
    /** The system property that turns a refusal into a warning. */
    public static final String SKIP_PROPERTY = "sluice.skip-version-check";

    /** Bucket4j's core, which the node-scope buckets run on. */
    public static final SupportedRange BUCKET4J =
            new SupportedRange("Bucket4j", "com.bucket4j:bucket4j_jdk17-core", "8.17.0", "8.20");

    private static final Logger LOG = LoggerFactory.getLogger(VersionCheck.class);

    private VersionCheck() {}

    /**
     * Checks each library's version as found on the class path ({@code null} when it could not be told).
     *
     * @throws IllegalStateException naming every library out of range, unless {@value #SKIP_PROPERTY} is true
     */
    public static void require(Map<SupportedRange, String> found) {
        require(found, Boolean.getBoolean(SKIP_PROPERTY));
    }

    static void require(Map<SupportedRange, String> found, boolean skip) {
        List<String> unknown = new ArrayList<>();
        Optional<String> problem = problem(found, unknown);
        for (String library : unknown) {
            LOG.warn("Sluice cannot tell which version of {} is on the class path (no version in its jar); it is "
                    + "tested with the versions sluice-bom manages", library);
        }
        if (problem.isEmpty()) {
            return;
        }
        if (skip) {
            LOG.warn("{} Starting anyway because {}=true.", problem.get(), SKIP_PROPERTY);
            return;
        }
        throw new IllegalStateException(problem.get());
    }

    /** The refusal message for the libraries out of range, if any; {@code unknown} receives those without a version. */
    static Optional<String> problem(Map<SupportedRange, String> found, List<String> unknown) {
        // "Resilience4j 2.3.0" once, with every jar of it found at that version
        Map<String, List<String>> wrong = new LinkedHashMap<>();
        Map<String, String> supported = new LinkedHashMap<>();
        List<String> properties = new ArrayList<>();
        for (Map.Entry<SupportedRange, String> entry : found.entrySet()) {
            SupportedRange range = entry.getKey();
            String version = entry.getValue();
            if (version == null || version.isBlank()) {
                unknown.add(range.library() + " (" + range.coordinates() + ")");
            } else if (!range.contains(version)) {
                String seen = range.library() + " " + version.strip();
                wrong.computeIfAbsent(seen, key -> new ArrayList<>()).add(range.coordinates());
                supported.putIfAbsent(seen, range.notation());
                if (range.bootProperty() != null) {
                    properties.add("<" + range.bootProperty() + ">" + range.lowest() + "</" + range.bootProperty() + ">");
                }
            }
        }
        if (wrong.isEmpty()) {
            return Optional.empty();
        }
        List<String> named = new ArrayList<>();
        wrong.forEach((library, jars) -> named.add(library + " (" + String.join(", ", jars) + "; supported: "
                + supported.get(library) + ")"));
        String sluice = sluiceVersion();
        return Optional.of("Sluice " + sluice + " is not tested with " + String.join(", ", named)
                + " found on the class path. Fix: import Sluice's BOM first in <dependencyManagement>, before Spring "
                + "Boot's and Spring Cloud's: <dependency><groupId>dev.sluice</groupId><artifactId>sluice-bom"
                + "</artifactId><version>" + sluice + "</version><type>pom</type><scope>import</scope></dependency> "
                + "(Gradle: implementation(platform(\"dev.sluice:sluice-bom:" + sluice + "\")))"
                + (properties.isEmpty() ? "" : "; on spring-boot-starter-parent, whose versions an import cannot "
                        + "override, also set " + String.join(" ", properties) + " in <properties>")
                + ". To start anyway, untested: -D" + SKIP_PROPERTY + "=true.");
    }

    /** Checks {@link #BUCKET4J}, the one library sluice-core runs on whose version matters. */
    public static void requireCore() {
        Map<SupportedRange, String> found = new LinkedHashMap<>();
        found.put(BUCKET4J, versionOf(io.github.bucket4j.Bucket.class, BUCKET4J.coordinates()));
        require(found);
    }

    /**
     * The version of the jar that holds {@code type}: the {@code pom.properties} Maven put under
     * {@code META-INF/maven/group/artifact/} next to it, else its package's manifest {@code Implementation-Version};
     * {@code null} when neither tells. The coordinates' own file comes first: in a shaded (uber) jar every package
     * reports the uber jar's manifest version, while each Maven-built library's {@code pom.properties} is kept; a
     * library without one (built by Gradle) that shares Sluice's own jar has no version of its own to tell.
     */
    public static String versionOf(Class<?> type, String coordinates) {
        return versionOf(type, coordinates, location(VersionCheck.class));
    }

    static String versionOf(Class<?> type, String coordinates, URL sluiceJar) {
        String path = "META-INF/maven/" + coordinates.replace(':', '/') + "/pom.properties";
        ClassLoader loader = type.getClassLoader() != null ? type.getClassLoader() : ClassLoader.getSystemClassLoader();
        try (InputStream in = loader.getResourceAsStream(path)) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                String version = properties.getProperty("version");
                if (version != null && !version.isBlank()) {
                    return version.strip();
                }
            }
        } catch (IOException unreadable) {
            // fall back to the manifest
        }
        URL jar = location(type);
        if (jar != null && jar.toString().endsWith(".jar") && jar.equals(sluiceJar)) {
            return null;   // shaded together with Sluice: the manifest is the uber jar's, not the library's
        }
        String version = type.getPackage() == null ? null : type.getPackage().getImplementationVersion();
        return version == null || version.isBlank() ? null : version;
    }

    private static URL location(Class<?> type) {
        CodeSource source = type.getProtectionDomain() == null ? null : type.getProtectionDomain().getCodeSource();
        return source == null ? null : source.getLocation();
    }

    /** Sluice's own version from its jar's manifest, or {@code <sluice version>} when run from classes. */
    static String sluiceVersion() {
        Package own = VersionCheck.class.getPackage();
        String version = own == null ? null : own.getImplementationVersion();
        return version == null || version.isBlank() ? "<sluice version>" : version;
    }
}
