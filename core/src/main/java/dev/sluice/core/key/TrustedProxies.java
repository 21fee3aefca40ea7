package dev.sluice.core.key;

import dev.sluice.core.RequestView;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds the client behind trusted reverse proxies for the {@code ip} key. When the directly connected peer is a
 * trusted proxy, the forwarding chain ({@code Forwarded: for=} when present, else {@code X-Forwarded-For}) is read
 * from the right, and the first address that is not itself a trusted proxy is the client. A peer that is not
 * trusted is the client whatever headers it sends, so clients cannot choose their own bucket. An entry that is not
 * an IP literal ({@code unknown}, an obfuscated name, garbage) stops the walk at the last trusted hop. Addresses are
 * returned in canonical form, so {@code ::ffff:10.0.0.1} and {@code 10.0.0.1} share a bucket.
 *
 * <p>Immutable and thread-safe. Nothing is ever resolved by name. The forwarding headers are read only when the
 * peer is trusted, so untrusted traffic pays one range check.
 */
public final class TrustedProxies implements ClientAddress {
    /** At most this many hops are read from the headers; the rest (further left) are ignored. */
    static final int MAX_HOPS = 32;

    private final Cidr[] ranges;

    private TrustedProxies(List<Cidr> ranges) {
        this.ranges = ranges.toArray(Cidr[]::new);
    }

    /**
     * The client-address rule for these proxies: the direct peer when none is trusted.
     *
     * @param cidrs addresses or ranges, e.g. {@code 10.0.0.0/8}, {@code 192.168.1.7}, {@code ::1}, {@code fd00::/8}
     * @throws IllegalArgumentException naming the first entry that is not one
     */
    public static ClientAddress of(List<String> cidrs) {
        if (cidrs.isEmpty()) {
            return ClientAddress.DIRECT;
        }
        List<Cidr> ranges = new ArrayList<>();
        for (String cidr : cidrs) {
            ranges.add(Cidr.parse(cidr));
        }
        return new TrustedProxies(ranges);
    }

    @Override
    public String of(RequestView request) {
        String peer = request.remoteAddress();
        byte[] peerBytes = Cidr.parseAddress(peer);
        if (peerBytes == null || !trusts(peerBytes)) {
            return peer;
        }
        List<String> chain = forwardedChain(request);
        String client = Cidr.format(peerBytes);
        for (int i = chain.size() - 1; i >= 0 && i >= chain.size() - MAX_HOPS; i--) {
            byte[] hop = Cidr.parseAddress(Cidr.stripPort(chain.get(i)));
            if (hop == null) {
                break;
            }
            client = Cidr.format(hop);
            if (!trusts(hop)) {
                break;
            }
        }
        return client;
    }

    private boolean trusts(byte[] address) {
        for (Cidr range : ranges) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The hops in order, client first: every {@code Forwarded} element's {@code for=}, else X-Forwarded-For. */
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
}
