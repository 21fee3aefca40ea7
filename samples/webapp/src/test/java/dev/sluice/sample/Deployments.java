package dev.sluice.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the build put what the deployment tests need (failsafe system properties). */
final class Deployments {
    private Deployments() {}

    static Path war() {
        return existing("sluice.sample.war");
    }

    static Path jar() {
        return existing("sluice.sample.jar");
    }

    /** Hazelcast's jar and Sluice's member jar, as a stock member's {@code lib/} would hold them. */
    static Path memberLib() {
        return existing("sluice.member.lib");
    }

    static Path tomcatHome() {
        return existing("sluice.tomcat.home");
    }

    static Path jettyHome() {
        return existing("sluice.jetty.home");
    }

    /** A new, empty directory for one test's server. */
    static Path workDirectory(String prefix) throws IOException {
        Path root = Path.of(System.getProperty("sluice.work", "target/it-work"));
        Files.createDirectories(root);
        return Files.createTempDirectory(root.toAbsolutePath(), prefix);
    }

    private static Path existing(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set; run through Maven "
                    + "(mvn verify)");
        }
        Path path = Path.of(value);
        if (!Files.exists(path)) {
            throw new IllegalStateException(property + " names " + path + ", which does not exist");
        }
        return path;
    }
}
