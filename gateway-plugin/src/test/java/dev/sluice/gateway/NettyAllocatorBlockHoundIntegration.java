package dev.sluice.gateway;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Netty 4.2's adaptive buffer allocator takes a {@code StampedLock} for a moment when several threads grow its
 * shared magazines at once; under load BlockHound sees that as a park on an event loop. It is Netty's own short
 * critical section on every Netty thread, not a wait for I/O or for another request, so it is allowed here;
 * everything else stays forbidden on non-blocking threads.
 */
public class NettyAllocatorBlockHoundIntegration implements BlockHoundIntegration {
    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup",
                "tryExpandMagazines");

    }
}
