package dev.sluice.gateway;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Netty 4.2's adaptive buffer allocator takes a {@code StampedLock} for a moment when several threads grow its
 * shared magazines at once; under load BlockHound sees that as a park on an event loop. It is Netty's own short
 * critical section on every Netty thread, not a wait for I/O or for another request, so it is allowed here;
 * everything else stays forbidden on non-blocking threads.
 *
 * <p>Spring Data Redis's {@code DefaultRedisScript} reads {@code RedisRateLimiter}'s Lua script from the class path
 * when the limiter first runs (and again when Redis asks for the script), on the event loop: Spring's code, not
 * Sluice's, exercised only by {@link RedisMigrationIT}, so it is allowed too.
 */
public class NettyAllocatorBlockHoundIntegration implements BlockHoundIntegration {
    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup",
                "tryExpandMagazines");
        builder.allowBlockingCallsInside("org.springframework.data.redis.core.script.DefaultRedisScript", "getSha1");
        builder.allowBlockingCallsInside("org.springframework.data.redis.core.script.DefaultRedisScript",
                "getScriptAsString");

    }
}
