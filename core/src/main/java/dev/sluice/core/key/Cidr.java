package dev.sluice.core.key;

import java.util.Arrays;

/**
 * An address range, {@code 10.0.0.0/8} or {@code 2001:db8::/32}, or a single address. Addresses are parsed as
 * literals only: nothing here ever resolves a name. IPv4-mapped IPv6 addresses ({@code ::ffff:10.0.0.1}) count as
 * their IPv4 address. Immutable and thread-safe; {@link #contains} allocates nothing.
 */
public final class Cidr {
    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /**
     * Parses {@code a.b.c.d}, {@code a.b.c.d/n}, an IPv6 literal, or an IPv6 literal with {@code /n}.
     *
     * @throws IllegalArgumentException saying what is allowed
     */
    public static Cidr parse(String text) {
        String usage = "must be an IP address or a CIDR range such as 10.0.0.0/8 or fd00::/8, got "
                + (text == null ? "null" : '"' + text + '"');
        if (text == null || text.isBlank() || text.length() > 64) {
            throw new IllegalArgumentException(usage);
        }
        String trimmed = text.strip();
        int slash = trimmed.indexOf('/');
        byte[] address = parseAddress(slash < 0 ? trimmed : trimmed.substring(0, slash));
        if (address == null) {
            throw new IllegalArgumentException(usage);
        }
        int bits = address.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String digits = trimmed.substring(slash + 1);
            if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException(usage);
            }
            prefix = Integer.parseInt(digits);
            if (prefix > bits) {
                throw new IllegalArgumentException(usage + " (the prefix may be at most " + bits + ")");
            }
        }
        byte[] network = Arrays.copyOf(address, address.length);
        for (int bit = prefix; bit < bits; bit++) {
            network[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new Cidr(network, prefix, trimmed);
    }

    /** Whether {@code address} (4 or 16 bytes, as {@link #parseAddress} gives) lies in this range. */
    public boolean contains(byte[] address) {
        if (address == null || address.length != network.length) {
            return false;
        }
        int whole = prefix / 8;
        for (int i = 0; i < whole; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (address[whole] & mask) == (network[whole] & mask);
    }

    /**
     * Parses an IPv4 or IPv6 literal (IPv6 optionally in brackets) into 4 or 16 bytes; IPv4-mapped IPv6 gives 4
     * bytes. Returns null for anything else: host names, ports, garbage.
     */
    public static byte[] parseAddress(String literal) {
        if (literal == null || literal.isEmpty() || literal.length() > 64) {
            return null;
        }
        String text = literal;
        if (text.charAt(0) == '[') {
            if (text.charAt(text.length() - 1) != ']') {
                return null;
            }
            text = text.substring(1, text.length() - 1);
        }
        if (text.indexOf(':') < 0) {
            return parseIpv4(text, 0, text.length());
        }
        byte[] v6 = parseIpv6(text);
        if (v6 != null && isMappedIpv4(v6)) {
            return Arrays.copyOfRange(v6, 12, 16);
        }
        return v6;
    }

    /**
     * Strips a port from a forwarding-header node: {@code 1.2.3.4:80} → {@code 1.2.3.4}, {@code [::1]:80} →
     * {@code ::1}, and removes the quotes of a quoted {@code Forwarded} value. Other text is returned as it is.
     */
    public static String stripPort(String node) {
        String text = node.strip();
        if (text.length() >= 2 && text.charAt(0) == '"' && text.charAt(text.length() - 1) == '"') {
            text = text.substring(1, text.length() - 1);
        }
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            return close < 0 ? text : text.substring(1, close);
        }
        int colon = text.indexOf(':');
        if (colon >= 0 && colon == text.lastIndexOf(':')) {
            return text.substring(0, colon);
        }
        return text;
    }

    /** The canonical text of an address from {@link #parseAddress}. */
    public static String format(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xFF) + "." + (address[1] & 0xFF) + "." + (address[2] & 0xFF) + "."
                    + (address[3] & 0xFF);
        }
        try {
            return java.net.InetAddress.getByAddress(address).getHostAddress();
        } catch (java.net.UnknownHostException impossible) {
            throw new IllegalArgumentException("not an address of 4 or 16 bytes", impossible);
        }
    }

    private static byte[] parseIpv4(String text, int from, int to) {
        byte[] address = new byte[4];
        int part = 0;
        int value = -1;
        int digits = 0;
        for (int i = from; i <= to; i++) {
            char c = i == to ? '.' : text.charAt(i);
            if (c >= '0' && c <= '9') {
                if (digits == 3 || (digits > 0 && value == 0)) {
                    return null;
                }
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                digits++;
            } else if (c == '.') {
                if (digits == 0 || value > 255 || part == 4) {
                    return null;
                }
                address[part++] = (byte) value;
                value = -1;
                digits = 0;
            } else {
                return null;
            }
        }
        return part == 4 ? address : null;
    }

    private static byte[] parseIpv6(String text) {
        int percent = text.indexOf('%');
        if (percent >= 0) {
            text = text.substring(0, percent);
        }
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        byte[] address = new byte[16];
        String head = gap < 0 ? text : text.substring(0, gap);
        String tail = gap < 0 ? "" : text.substring(gap + 2);
        int[] headWords = words(head);
        int[] tailWords = words(tail);
        if (headWords == null || tailWords == null) {
            return null;
        }
        int total = headWords.length + tailWords.length;
        if (gap < 0 ? total != 8 : total > 7) {
            return null;
        }
        for (int i = 0; i < headWords.length; i++) {
            put(address, i, headWords[i]);
        }
        for (int i = 0; i < tailWords.length; i++) {
            put(address, 8 - tailWords.length + i, tailWords[i]);
        }
        return address;
    }

    /** Colon-separated 16-bit words; a trailing dotted IPv4 counts as two words. Null when malformed. */
    private static int[] words(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        String[] parts = text.split(":", -1);
        int count = parts.length;
        boolean trailingV4 = parts[count - 1].indexOf('.') >= 0;
        int[] words = new int[count + (trailingV4 ? 1 : 0)];
        for (int i = 0; i < count; i++) {
            String part = parts[i];
            if (i == count - 1 && trailingV4) {
                byte[] v4 = parseIpv4(part, 0, part.length());
                if (v4 == null) {
                    return null;
                }
                words[i] = ((v4[0] & 0xFF) << 8) | (v4[1] & 0xFF);
                words[i + 1] = ((v4[2] & 0xFF) << 8) | (v4[3] & 0xFF);
                continue;
            }
            if (part.isEmpty() || part.length() > 4) {
                return null;
            }
            int word = 0;
            for (int c = 0; c < part.length(); c++) {
                int digit = Character.digit(part.charAt(c), 16);
                if (digit < 0) {
                    return null;
                }
                word = word * 16 + digit;
            }
            words[i] = word;
        }
        return words;
    }

    private static void put(byte[] address, int word, int value) {
        address[word * 2] = (byte) (value >>> 8);
        address[word * 2 + 1] = (byte) value;
    }

    private static boolean isMappedIpv4(byte[] v6) {
        for (int i = 0; i < 10; i++) {
            if (v6[i] != 0) {
                return false;
            }
        }
        return v6[10] == (byte) 0xFF && v6[11] == (byte) 0xFF;
    }

    @Override
    public String toString() {
        return text;
    }
}
