package dev.sluice.core.key;

import dev.sluice.core.RequestView;
import dev.sluice.core.config.KeyExpression;
import dev.sluice.core.config.KeyPart;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/**
 * Turns a request into a policy's key. Single-part keys are the part's value as is; multi-part keys join the parts
 * with {@code +}, escaping {@code %} and {@code +} inside values so that two different requests cannot produce the
 * same key. Keys longer than {@value #MAX_KEY_LENGTH} characters are replaced by {@code sha256:} and the
 * base64url of their SHA-256, so a 10 KB header never becomes a 10 KB map key. Immutable and thread-safe.
 */
public final class KeyResolver {
    public static final int MAX_KEY_LENGTH = 128;
    /** The key of {@code global}, and of requests lacking a key part under {@code missing-key: global}. */
    public static final String GLOBAL = "*";

    private final KeyPart[] parts;
    private final ClientAddress clientAddress;

    public KeyResolver(KeyExpression expression, ClientAddress clientAddress) {
        List<KeyPart> list = expression.parts();
        this.parts = list.toArray(KeyPart[]::new);
        this.clientAddress = clientAddress;
    }

    /** The key, or null when a part is missing from the request (no such header, parameter, cookie, principal). */
    public String resolve(RequestView request) {
        if (parts.length == 1) {
            String value = value(parts[0], request);
            return value == null ? null : bounded(value);
        }
        StringBuilder key = new StringBuilder(64);
        for (int i = 0; i < parts.length; i++) {
            String value = value(parts[i], request);
            if (value == null) {
                return null;
            }
            if (i > 0) {
                key.append('+');
            }
            escape(value, key);
            if (key.length() > 4 * MAX_KEY_LENGTH * parts.length) {
                break;
            }
        }
        return bounded(key.toString());
    }

    private String value(KeyPart part, RequestView request) {
        String value = switch (part.kind()) {
            case IP -> clientAddress.of(request);
            case HEADER -> request.header(part.name());
            case PARAM -> request.queryParameter(part.name());
            case COOKIE -> request.cookie(part.name());
            case PRINCIPAL -> request.principal();
            case PATH -> request.path();
            case METHOD -> request.method();
            case GLOBAL -> GLOBAL;
        };
        return value == null || value.isEmpty() ? null : value;
    }

    private static void escape(String value, StringBuilder into) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                into.append("%25");
            } else if (c == '+') {
                into.append("%2B");
            } else {
                into.append(c);
            }
        }
    }

    /** {@code key} itself, or its hash when it is longer than {@value #MAX_KEY_LENGTH} characters. */
    public static String bounded(String key) {
        if (key.length() <= MAX_KEY_LENGTH) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", impossible);
        }
    }
}
