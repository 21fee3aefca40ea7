package dev.sluice.gateway;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The gateway's own {@code sluice.*} properties: the global filter and the {@code sluiceRateLimiter}. The properties
 * both Boot adapters share (policies, cluster, management) are {@link dev.sluice.boot.SluiceProperties}.
 */
@ConfigurationProperties("sluice")
public class SluiceGatewayProperties {
    private final GlobalFilter globalFilter = new GlobalFilter();
    private final RateLimiter rateLimiter = new RateLimiter();

    public GlobalFilter getGlobalFilter() { return globalFilter; }
    public RateLimiter getRateLimiter() { return rateLimiter; }

    /** {@code sluice.global-filter.*}: the filter that applies the global policies to every route. */
    public static class GlobalFilter {
        /** On or off; unset means on when there are global policies. */
        private Boolean enabled;
        /** Its position among the gateway's filters (lower runs earlier); route filters start at 1. */
        private int order = 0;

        public Boolean getEnabled() { return enabled; }
        public void setEnabled(Boolean enabled) { this.enabled = enabled; }
        public int getOrder() { return order; }
        public void setOrder(int order) { this.order = order; }
    }

    /** {@code sluice.rate-limiter.*}: the policies of the {@code sluiceRateLimiter} bean. */
    public static class RateLimiter {
        /**
         * Per route id: an inline definition (rate, quota, key-less: the key comes from the KeyResolver) or
         * {@code {policy: NAME}}. Route ids with capitals or dots must be written in brackets: {@code "[My.Route]"}.
         */
        private Map<String, Map<String, Object>> routes = new LinkedHashMap<>();
        /** The global policy for routes without an entry in {@link #routes}; unset means such routes fail. */
        private String defaultPolicy;

        public Map<String, Map<String, Object>> getRoutes() { return routes; }
        public void setRoutes(Map<String, Map<String, Object>> routes) { this.routes = routes; }
        public String getDefaultPolicy() { return defaultPolicy; }
        public void setDefaultPolicy(String defaultPolicy) { this.defaultPolicy = defaultPolicy; }
    }

}
