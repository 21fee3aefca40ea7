package dev.sluice.filter;

import dev.sluice.core.config.PolicySet;
import jakarta.servlet.ServletContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads the policy file named by the {@code config} setting. Start-up only; blocks on I/O. */
final class PolicyFiles {
    /** Larger files are refused rather than read: a policy file is a few kilobytes. */
    static final int MAX_BYTES = 1 << 20;

    private PolicyFiles() {}

    /**
     * Loads and parses the policies at {@code location}: {@code /WEB-INF/...} from the web application,
     * {@code classpath:...} from {@code loader}, anything else from the file system.
     *
     * @param origin what named the location, for messages (e.g. {@code init-param config})
     * @throws IllegalArgumentException when the file cannot be read
     * @throws dev.sluice.core.config.ConfigException when it is not a valid policy file
     */
    static PolicySet load(String location, String origin, ServletContext context, ClassLoader loader) {
        String text = read(location, origin, context, loader);
        // PENDING-PARSER: replaced by new PolicyParser().parse(text, location) once the parser is on main.
        throw new IllegalStateException(location + " (" + text.length() + " characters) cannot be parsed: "
                + "this build of sluice-core has no policy parser yet; build the Sluice in code and use "
                + "new SluiceFilter(sluice)");
    }

    static String read(String location, String origin, ServletContext context, ClassLoader loader) {
        try (InputStream in = open(location, context, loader)) {
            if (in == null) {
                throw new IllegalArgumentException(origin + ": " + location + " was not found" + where(location));
            }
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new IllegalArgumentException(origin + ": " + location + " is larger than " + MAX_BYTES
                        + " bytes; a policy file is expected to be a few kilobytes");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (NoSuchFileException missing) {
            throw new IllegalArgumentException(origin + ": " + location + " was not found" + where(location),
                    missing);
        } catch (IOException failure) {
            throw new IllegalArgumentException(origin + ": " + location + " could not be read: " + failure, failure);
        }
    }

    private static InputStream open(String location, ServletContext context, ClassLoader loader) throws IOException {
        if (location.startsWith("/WEB-INF/")) {
            return context.getResourceAsStream(location);
        }
        if (location.startsWith("classpath:")) {
            String resource = location.substring("classpath:".length());
            return loader.getResourceAsStream(resource.startsWith("/") ? resource.substring(1) : resource);
        }
        return Files.newInputStream(Path.of(location));
    }

    private static String where(String location) {
        if (location.startsWith("/WEB-INF/")) {
            return " in the web application";
        }
        if (location.startsWith("classpath:")) {
            return " on the web application's class path";
        }
        return " (file path, relative to the working directory " + Path.of("").toAbsolutePath() + ")";
    }
}
