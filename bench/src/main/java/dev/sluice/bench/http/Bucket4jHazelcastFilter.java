package dev.sluice.bench.http;

import com.hazelcast.map.IMap;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.grid.hazelcast.Bucket4jHazelcast;
import io.github.bucket4j.grid.hazelcast.HazelcastProxyManager;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;

/**
 * A peer: the per-IP Bucket4j-on-Hazelcast filter users write by hand today, following Bucket4j's documentation:
 * an entry-processor proxy manager over an IMap, a bucket proxy per request, a blocking {@code tryConsume}.
 */
public final class Bucket4jHazelcastFilter implements Filter {
    private final HazelcastProxyManager<String> buckets;
    private final BucketConfiguration configuration;

    public Bucket4jHazelcastFilter(IMap<String, byte[]> map, long limitPerSecond) {
        this.buckets = Bucket4jHazelcast.entryProcessorBasedBuilder(map).build();
        this.configuration = BucketConfiguration.builder()
                .addLimit(l -> l.capacity(limitPerSecond).refillGreedy(limitPerSecond, Duration.ofSeconds(1)))
                .build();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        boolean admitted = buckets.builder().build(request.getRemoteAddr(), () -> configuration).tryConsume(1);
        if (admitted) {
            chain.doFilter(request, response);
        } else {
            ((HttpServletResponse) response).sendError(429);
        }
    }
}
