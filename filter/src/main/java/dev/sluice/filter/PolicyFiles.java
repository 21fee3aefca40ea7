package dev.sluice.filter;

import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.PolicyParser;
import dev.sluice.core.config.PolicySet;
import jakarta.servlet.ServletContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Reads the policy file named by the {@code config} setting. Start-up only; blocks on I/O. */
final class PolicyFiles {
    private PolicyFiles() {}

    /**
     * Loads and parses the policies at {@code location}: {@code /WEB-INF/...} from the web application,
     * {@code classpath:...} from {@code loader}, anything else from the file system (relative paths from the working
     * directory).
     *
     * @param origin what named the location, for messages (e.g. {@code init-param config})
     * @throws ConfigException when the file is missing, unreadable or not a valid policy file, naming the file, the
     *                         line, the field and what is allowed
     */
    static PolicySet load(String location, String origin, ServletContext context, ClassLoader loader) {
        PolicyParser parser = new PolicyParser();
        if (!location.startsWith("/WEB-INF/")) {
            if (!location.startsWith("classpath:") && !Path.of(location).isAbsolute()) {
                // Named in messages with where it was looked for: the working directory is rarely obvious in a
                // container.
                return parser.load(Path.of(location).toAbsolutePath().toString(), loader);
            }
            return parser.load(location, loader);
        }
        try (InputStream in = context.getResourceAsStream(location)) {
            if (in == null) {
                throw new ConfigException(new ConfigException.Problem(location, 0, 0, "",
                        "does not exist in the web application (" + origin + ")"));
            }
            byte[] bytes = in.readNBytes(PolicyParser.MAX_FILE_BYTES + 1);
            if (bytes.length > PolicyParser.MAX_FILE_BYTES) {
                throw new ConfigException(new ConfigException.Problem(location, 0, 0, "",
                        "is larger than " + PolicyParser.MAX_FILE_BYTES + " bytes"));
            }
            return parser.parse(new String(bytes, StandardCharsets.UTF_8), location);
        } catch (IOException unreadable) {
            throw new ConfigException(new ConfigException.Problem(location, 0, 0, "",
                    "cannot be read: " + unreadable.getMessage()));
        }
    }
}
