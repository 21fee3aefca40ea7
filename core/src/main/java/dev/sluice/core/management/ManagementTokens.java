package dev.sluice.core.management;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Named management tokens, each with a role, kept as SHA-256 digests only. Immutable.
 *
 * <p>The text form, one token per line (or separated by {@code ;}), blank lines and {@code #} comments ignored:
 * <pre>
 * # name     role   secret
 * ops        write  sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 * dashboard  read   a-plain-secret-hashed-when-read
 * </pre>
 * A name is 1 to 64 letters, digits, '.', '_' or '-'; the role {@code read} (GET, HEAD, OPTIONS) or {@code write}
 * (everything); the secret {@code sha256:} and the 64 hex digits of the SHA-256 of the token's UTF-8 bytes, or the
 * token itself (no whitespace or ';'), which is hashed at once. Names and secrets are unique.
 */
final class ManagementTokens {
    static final ManagementTokens NONE = new ManagementTokens(List.of());
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-fA-F]{64}");

    /** What a token may do. */
    enum Role {
        READ, WRITE;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One token: its name, role and digest. */
    record Token(String name, Role role, byte[] digest) { }

    private final List<Token> tokens;

    private ManagementTokens(List<Token> tokens) {
        this.tokens = List.copyOf(tokens);
    }

    boolean isEmpty() {
        return tokens.isEmpty();
    }

    int size() {
        return tokens.size();
    }

    /** The single token of the older settings: a write token named {@code default}. */
    static ManagementTokens single(String token) {
        return new ManagementTokens(List.of(new Token("default", Role.WRITE, digest(token))));
    }

    /**
     * These tokens and those of {@code other} together.
     *
     * @throws IllegalArgumentException when a name or a secret is in both
     */
    ManagementTokens and(ManagementTokens other, String source) {
        List<Token> all = new ArrayList<>(tokens);
        for (Token token : other.tokens) {
            check(all, token, source, 0);
            all.add(token);
        }
        return new ManagementTokens(all);
    }

    /**
     * Reads the text form.
     *
     * @param source names the text in error messages, e.g. the file
     * @throws IllegalArgumentException naming the source, the line, the field and what is allowed
     */
    static ManagementTokens parse(String text, String source) {
        List<Token> tokens = new ArrayList<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int number = 1; number <= lines.length; number++) {
            for (String entry : lines[number - 1].split(";", -1)) {
                int comment = entry.indexOf('#');
                String content = (comment < 0 ? entry : entry.substring(0, comment)).strip();
                if (!content.isEmpty()) {
                    Token token = token(content.split("\\s+"), source, number);
                    check(tokens, token, source, number);
                    tokens.add(token);
                }
            }
        }
        return new ManagementTokens(tokens);
    }

    private static Token token(String[] fields, String source, int line) {
        if (fields.length != 3) {
            throw bad(source, line, "an entry is 'name role secret', got " + fields.length + " field"
                    + (fields.length == 1 ? "" : "s"));
        }
        if (!NAME.matcher(fields[0]).matches()) {
            throw bad(source, line, "name must be 1 to 64 letters, digits, '.', '_' or '-', got '"
                    + Json.clip(fields[0]) + "'");
        }
        Role role = switch (fields[1].toLowerCase(Locale.ROOT)) {
            case "read" -> Role.READ;
            case "write" -> Role.WRITE;
            default -> throw bad(source, line, "role of '" + fields[0] + "' must be read or write, got '"
                    + Json.clip(fields[1]) + "'");
        };
        String secret = fields[2];
        byte[] digest;
        if (SHA256.matcher(secret).matches()) {
            digest = HexFormat.of().parseHex(secret.substring(7));
        } else if (secret.regionMatches(true, 0, "sha256:", 0, 7)) {
            throw bad(source, line, "secret of '" + fields[0] + "' must be sha256: and 64 hex digits, got "
                    + (secret.length() - 7) + " characters after sha256:");
        } else {
            digest = digest(secret);
        }
        return new Token(fields[0], role, digest);
    }

    private static void check(List<Token> known, Token token, String source, int line) {
        for (Token other : known) {
            if (other.name().equals(token.name())) {
                throw bad(source, line, "token name '" + token.name() + "' is given twice");
            }
            if (MessageDigest.isEqual(other.digest(), token.digest())) {
                throw bad(source, line, "token '" + token.name() + "' has the same secret as '" + other.name()
                        + "'; give each its own");
            }
        }
    }

    private static IllegalArgumentException bad(String source, int line, String message) {
        return new IllegalArgumentException(source + (line > 0 ? " line " + line : "") + ": " + message);
    }

    /**
     * The token whose secret is {@code given}, or null. Compares the digest with every token in constant time, so
     * the time taken says nothing about which token nearly matched.
     */
    Token find(String given) {
        byte[] digest = digest(given);
        Token found = null;
        for (Token token : tokens) {
            if (MessageDigest.isEqual(digest, token.digest()) && found == null) {
                found = token;
            }
        }
        return found;
    }

    /** Names and roles, for the log. */
    Map<String, String> roles() {
        Map<String, String> roles = new LinkedHashMap<>();
        tokens.forEach(token -> roles.put(token.name(), token.role().wire()));
        return roles;
    }

    static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", impossible);
        }
    }
}
