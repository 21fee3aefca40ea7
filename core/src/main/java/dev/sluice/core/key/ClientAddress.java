package dev.sluice.core.key;

import dev.sluice.core.RequestView;

/** Finds the client's address for the {@code ip} key. Thread-safe. */
@FunctionalInterface
public interface ClientAddress {
    /** The directly connected peer, believing no forwarding header. */
    ClientAddress DIRECT = RequestView::remoteAddress;

    /** The client's address as an IP literal, never null. */
    String of(RequestView request);
}
