package dev.sluice.core.management;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Strict UTF-8 decoding of request bodies and percent-encoded path segments. Stateless. */
final class PathSegments {
    private PathSegments() {}

    /**
     * The percent-decoded, non-empty segments of {@code path}, so that a key may contain '/' written as
     * {@code %2F}; null when an escape is malformed or the bytes are not UTF-8.
     */
    static List<String> of(String path) {
        List<String> segments = new ArrayList<>();
        for (String raw : path.split("/")) {
            if (raw.isEmpty()) {
                continue;
            }
            String decoded = decode(raw);
            if (decoded == null) {
                return null;
            }
            segments.add(decoded);
        }
        return segments;
    }

    /** {@code bytes} decoded as UTF-8, or null when they are not valid UTF-8. */
    static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException malformed) {
            return null;
        }
    }

    private static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int i = 0;
        while (i < raw.length()) {
            int escape = raw.indexOf('%', i);
            int end = escape < 0 ? raw.length() : escape;
            // Characters between escapes as a whole, so that a surrogate pair stays one code point.
            bytes.writeBytes(raw.substring(i, end).getBytes(StandardCharsets.UTF_8));
            if (escape < 0) {
                break;
            }
            if (escape + 2 >= raw.length()) {
                return null;
            }
            int high = hex(raw.charAt(escape + 1));
            int low = hex(raw.charAt(escape + 2));
            if (high < 0 || low < 0) {
                return null;
            }
            bytes.write(high * 16 + low);
            i = escape + 3;
        }
        return strictUtf8(bytes.toByteArray());
    }

    /** The value of an ASCII hex digit, or -1 (Character.digit would also take other scripts' digits). */
    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
