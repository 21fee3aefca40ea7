package dev.sluice.filter;

import dev.sluice.core.RequestView;
import dev.sluice.core.config.FieldException;
import dev.sluice.core.key.ClientAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds the client behind trusted reverse proxies for the {@code ip} key. When the directly connected peer is a
 * trusted proxy, the forwarding chain ({@code Forwarded: for=} when present, else {@code X-Forwarded-For}) is read
 * from the right; the first address that is not itself a trusted proxy is the client. A peer that is not trusted is
 * the client, whatever headers it sends, so clients cannot choose their own bucket. An entry that is not an IP
 * address ({@code unknown}, an obfuscated name) stops the walk at the last trusted hop.
 *
 * <p>Immutable and thread-safe. Addresses are parsed as literals only: no name is ever resolved.
 */
final class TrustedProxies implements ClientAddress {
    private final List<Range> ranges;

    private TrustedProxies(List<Range> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /**
     * @param cidrs addresses or CIDR ranges, e.g. {@code 10.0.0.0/8}, {@code 192.168.1.7}, {@code ::1},
     *              {@code fd00::/8}
     * @throws IllegalArgumentException naming the first entry that is not one
     */
    static TrustedProxies of(List<String> cidrs) {
        List<Range> ranges = new ArrayList<>();
        for (String cidr : cidrs) {
            ranges.add(Range.parse(cidr));
        }
        return new TrustedProxies(ranges);
    }

    /** Builds the client-address rule: the direct peer when no proxy is trusted. */
    static ClientAddress forProxies(List<String> cidrs) {
        return cidrs.isEmpty() ? ClientAddress.DIRECT : of(cidrs);
    }

    @Override
    public String of(RequestView request) {
        String peer = request.remoteAddress();
        if (!trusts(peer)) {
            return peer;
        }
        List<String> chain = forwardedChain(request);
        String client = peer;
        for (int i = chain.size() - 1; i >= 0; i--) {
            byte[] hop = literal(stripHop(chain.get(i)));
            if (hop == null) {
                break;
            }
            client = text(hop);
            if (!trusts(hop)) {
                break;
            }
        }
        return client;
    }

    boolean trusts(String address) {
        byte[] bytes = literal(address);
        return bytes != null && trusts(bytes);
    }

    private boolean trusts(byte[] address) {
        for (Range range : ranges) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The hops in order, client first: from every {@code Forwarded} element's {@code for=}, else X-Forwarded-For. */
    private static List<String> forwardedChain(RequestView request) {
        List<String> hops = new ArrayList<>();
        for (String value : request.headers("Forwarded")) {
            for (String element : value.split(",")) {
                for (String pair : element.split(";")) {
                    int equals = pair.indexOf('=');
                    if (equals > 0 && pair.substring(0, equals).strip().toLowerCase(Locale.ROOT).equals("for")) {
                        hops.add(pair.substring(equals + 1));
                    }
                }
            }
        }
        if (!hops.isEmpty()) {
            return hops;
        }
        for (String value : request.headers("X-Forwarded-For")) {
            for (String hop : value.split(",")) {
                hops.add(hop);
            }
        }
        return hops;
    }

    /** Removes quotes, brackets and a port: {@code "[2001:db8::1]:4711"} → {@code 2001:db8::1}. */
    static String stripHop(String hop) {
        String value = hop.strip();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1).strip();
        }
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            return close < 0 ? value : value.substring(1, close);
        }
        int colon = value.indexOf(':');
        if (colon >= 0 && colon == value.lastIndexOf(':')) {
            return value.substring(0, colon);
        }
        return value;
    }

    /** The bytes of an IPv4 or IPv6 literal (IPv4-mapped IPv6 as IPv4), or null when it is not one. */
    static byte[] literal(String text) {
        if (text == null || text.isEmpty() || text.length() > 64) {
            return null;
        }
        String value = text;
        if (value.startsWith("[") && value.endsWith("]")) {
            value = value.substring(1, value.length() - 1);
        }
        if (value.indexOf(':') >= 0) {
            if (value.indexOf('%') >= 0) {
                return null;
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
                    return null;
                }
            }
            try {
                // A string with ':' is parsed as an IPv6 literal and never looked up.
                return InetAddress.getByName(value).getAddress();
            } catch (UnknownHostException e) {
                return null;
            }
        }
        String[] parts = value.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3) {
                return null;
            }
            int number = 0;
            for (int j = 0; j < part.length(); j++) {
                int digit = Character.digit(part.charAt(j), 10);
                if (digit < 0) {
                    return null;
                }
                number = number * 10 + digit;
            }
            if (number > 255) {
                return null;
            }
            bytes[i] = (byte) number;
        }
        return bytes;
    }

    private static String text(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("not an address length: " + address.length, e);
        }
    }

    /** An address range: the first {@code bits} bits of {@code network}. */
    private record Range(byte[] network, int bits) {
        static Range parse(String cidr) {
            String text = cidr == null ? "" : cidr.strip();
            int slash = text.indexOf('/');
            String address = slash < 0 ? text : text.substring(0, slash);
            byte[] network = literal(address);
            if (network == null) {
                throw new IllegalArgumentException(FieldException.render(cidr) + " is not an IP address or CIDR range "
                        + "(such as 10.0.0.0/8, 192.168.1.7, ::1 or fd00::/8)");
            }
            int max = network.length * 8;
            int bits = max;
            if (slash >= 0) {
                String suffix = text.substring(slash + 1);
                bits = -1;
                if (!suffix.isEmpty() && suffix.length() <= 3 && suffix.chars().allMatch(Character::isDigit)) {
                    bits = Integer.parseInt(suffix);
                }
                if (bits < 0 || bits > max) {
                    throw new IllegalArgumentException(FieldException.render(cidr) + " has a prefix length outside 0 to "
                            + max);
                }
            }
            return new Range(network, bits);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (network[full] & mask);
        }
    }
}
