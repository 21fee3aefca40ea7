package dev.sluice.bench.http;

import io.github.bucket4j.Bucket;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A peer: the per-IP Bucket4j filter users write by hand today (a map of local buckets, tryConsume, 429). Unbounded
 * map, no headers, no queue: the cheapest thing that limits.
 */
public final class Bucket4jLocalFilter implements Filter {
    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final long limit;

    public Bucket4jLocalFilter(long limitPerSecond) {
        this.limit = limitPerSecond;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Bucket bucket = buckets.computeIfAbsent(request.getRemoteAddr(), key -> Bucket.builder()
                .addLimit(l -> l.capacity(limit).refillGreedy(limit, Duration.ofSeconds(1))).build());
        if (bucket.tryConsume(1)) {
            chain.doFilter(request, response);
        } else {
            ((HttpServletResponse) response).sendError(429);
        }
    }
}
