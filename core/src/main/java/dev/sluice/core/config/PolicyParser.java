package dev.sluice.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads policy sets and single policies from YAML or JSON, validating them whole: the result is valid, or a
 * {@link ConfigException} lists every problem with the source, the line and column, the field and what is allowed.
 * Unknown fields are errors. Thread-safe and reusable.
 *
 * <p>A set is an object {@code {policies: [...], trusted-proxies: [...]}}; a policy is an object with the fields of
 * {@link Policy}, named as the README's policy reference names them ({@code missing-key}, {@code max-wait}, ...).
 */
public final class PolicyParser {
    /** The largest configuration file read: 1 MiB. */
    public static final int MAX_FILE_BYTES = 1024 * 1024;
    /** The largest single-policy or patch body read by default: 64 KiB. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    private final ConfigReader reader = new ConfigReader();

    /** Parses a policy set from YAML or JSON text; {@code source} names it in messages. */
    public PolicySet parse(String text, String source) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        ConfigNode root = read(text, source, MAX_FILE_BYTES, problems);
        PolicySet set = root == null ? null : new PolicyBinder(source, problems).set(root);
        if (!problems.isEmpty() || set == null) {
            throw failure(problems, source);
        }
        return set;
    }

    /** Parses a policy set from a file (named in messages by its file name). */
    public PolicySet parse(Path file) {
        String source = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw tooLarge(source, MAX_FILE_BYTES);
            }
            return parse(Files.readString(file, StandardCharsets.UTF_8), source);
        } catch (NoSuchFileException missing) {
            throw new ConfigException(new ConfigException.Problem(file.toString(), 0, 0, "",
                    "does not exist"));
        } catch (IOException unreadable) {
            throw new ConfigException(new ConfigException.Problem(file.toString(), 0, 0, "",
                    "cannot be read: " + unreadable.getMessage()));
        }
    }

    /**
     * Parses a policy set from {@code classpath:path/in/classpath.yaml} (through {@code loader}) or from a file path.
     */
    public PolicySet load(String location, ClassLoader loader) {
        if (location == null || location.isBlank()) {
            throw new ConfigException(new ConfigException.Problem(null, 0, 0, "config",
                    "must name a file path or a classpath: location"));
        }
        if (!location.startsWith("classpath:")) {
            return parse(Path.of(location));
        }
        String resource = location.substring("classpath:".length());
        resource = resource.startsWith("/") ? resource.substring(1) : resource;
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ConfigException(new ConfigException.Problem(location, 0, 0, "",
                        "does not exist on the class path"));
            }
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw tooLarge(location, MAX_FILE_BYTES);
            }
            return parse(new String(bytes, StandardCharsets.UTF_8), location);
        } catch (IOException unreadable) {
            throw new ConfigException(new ConfigException.Problem(location, 0, 0, "",
                    "cannot be read: " + unreadable.getMessage()));
        }
    }

    /** Parses one policy (a management PUT body). The body must carry a name. */
    public Policy parsePolicy(String text, String source) {
        return parsePolicy(text, source, null);
    }

    /**
     * Parses one policy whose name is known (from a URL): the body may leave the name out, and if it gives one it
     * must be {@code expectedName}.
     */
    public Policy parsePolicy(String text, String source, String expectedName) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        ConfigNode root = read(text, source, MAX_BODY_BYTES, problems);
        Policy policy = root == null ? null : new PolicyBinder(source, problems).policy(root, "", expectedName);
        if (!problems.isEmpty() || policy == null) {
            throw failure(problems, source);
        }
        return policy;
    }

    /**
     * Parses one policy from plain Java values (maps, lists, strings, numbers), as Spring binds configuration
     * properties, with the same validation.
     */
    public Policy bindPolicy(java.util.Map<String, ?> tree, String source, String expectedName) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        Policy policy = new PolicyBinder(source, problems).policy(ConfigNode.of(tree), "", expectedName);
        if (!problems.isEmpty() || policy == null) {
            throw failure(problems, source);
        }
        return policy;
    }

    /**
     * Applies an RFC 7396 JSON merge patch to {@code current} and validates the result like a full definition:
     * {@code {"rate":{"limit":5}}} changes one field, {@code {"quota":null}} removes the quota. The name cannot
     * change.
     */
    public Policy patch(Policy current, String mergePatchJson, String source) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        ConfigNode patch = read(mergePatchJson, source, MAX_BODY_BYTES, problems);
        if (patch != null && patch.kind != ConfigNode.Kind.OBJECT) {
            problems.add(new ConfigException.Problem(source, patch.line, patch.column, "",
                    "must be a JSON object (a merge patch), got " + patch.describe()));
        }
        Policy policy = null;
        if (problems.isEmpty()) {
            ConfigNode merged = ConfigNode.of(PolicyWriter.toTree(current)).mergePatch(patch);
            policy = new PolicyBinder(source, problems).policy(merged, "", current.name());
        }
        if (!problems.isEmpty() || policy == null) {
            throw failure(problems, source);
        }
        return policy;
    }

    private ConfigNode read(String text, String source, int maxBytes, List<ConfigException.Problem> problems) {
        if (text == null) {
            problems.add(new ConfigException.Problem(source, 0, 0, "", "is missing"));
            return null;
        }
        if (text.length() > maxBytes) {
            throw tooLarge(source, maxBytes);
        }
        return reader.read(text, source, problems);
    }

    private static ConfigException tooLarge(String source, int maxBytes) {
        return new ConfigException(new ConfigException.Problem(source, 0, 0, "",
                "is larger than " + maxBytes + " bytes"));
    }

    private static ConfigException failure(List<ConfigException.Problem> problems, String source) {
        if (problems.isEmpty()) {
            return new ConfigException(new ConfigException.Problem(source, 0, 0, "", "is not a valid configuration"));
        }
        return new ConfigException(problems);
    }
}
