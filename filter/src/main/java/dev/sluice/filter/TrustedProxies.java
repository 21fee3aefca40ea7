package dev.sluice.filter;

import dev.sluice.core.RequestView;
import dev.sluice.core.key.Cidr;
import dev.sluice.core.key.ClientAddress;
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
    private final List<Cidr> ranges;

    private TrustedProxies(List<Cidr> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /**
     * @param cidrs addresses or CIDR ranges, e.g. {@code 10.0.0.0/8}, {@code 192.168.1.7}, {@code ::1},
     *              {@code fd00::/8}
     * @throws IllegalArgumentException naming the first entry that is not one
     */
    static TrustedProxies of(List<String> cidrs) {
        List<Cidr> ranges = new ArrayList<>();
        for (String cidr : cidrs) {
            ranges.add(Cidr.parse(cidr));
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
        byte[] peerAddress = Cidr.parseAddress(peer);
        if (peerAddress == null || !trusts(peerAddress)) {
            return peer;
        }
        List<String> chain = forwardedChain(request);
        String client = peer;
        for (int i = chain.size() - 1; i >= 0; i--) {
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
}
