package dev.sluice.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Sluice's application properties ({@code sluice.*}). Policy definitions are bound as plain maps and validated by
 * the core parser when the application starts, so a bad definition fails start-up with the same message a policy
 * file would give.
 */
@ConfigurationProperties("sluice")
public class SluiceProperties {
    /** Whether Sluice is on at all. */
    private boolean enabled = true;

    /**
     * A policy file (YAML or JSON, the format of the README's policy reference): {@code classpath:...} or a file
     * path. Exclusive with {@link #policies}.
     */
    private String config;

    /** The global policies, in order, each with the fields of a policy file's entries. Exclusive with {@link #config}. */
    private List<Map<String, Object>> policies = new ArrayList<>();

    /** Proxies (addresses or CIDR ranges) whose {@code Forwarded} / {@code X-Forwarded-For} the {@code ip} key believes. */
    private List<String> trustedProxies = new ArrayList<>();

    private final GlobalFilter globalFilter = new GlobalFilter();
    private final RateLimiter rateLimiter = new RateLimiter();
    private final Management management = new Management();
    private final Cluster cluster = new Cluster();

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public String getConfig() { return config; }
    public void setConfig(String config) { this.config = config; }
    public List<Map<String, Object>> getPolicies() { return policies; }
    public void setPolicies(List<Map<String, Object>> policies) { this.policies = policies; }
    public List<String> getTrustedProxies() { return trustedProxies; }
    public void setTrustedProxies(List<String> trustedProxies) { this.trustedProxies = trustedProxies; }
    public GlobalFilter getGlobalFilter() { return globalFilter; }
    public RateLimiter getRateLimiter() { return rateLimiter; }
    public Management getManagement() { return management; }
    public Cluster getCluster() { return cluster; }

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

    /** {@code sluice.management.*}: the management API under {@code <actuator base path>/sluice}. */
    public static class Management {
        private boolean enabled = true;
        /** The bearer token writes need; else the environment variable {@code SLUICE_TOKEN}; else read-only. */
        private String token;
        /** Named tokens with roles, {@code name role secret} separated by ';' or lines; else {@code SLUICE_TOKENS}. */
        private String tokens;
        /** A file of named tokens, re-read when it changes; else the environment variable SLUICE_TOKENS_FILE. */
        private String tokensFile;
        private boolean readsNeedToken;
        private int maxBodyBytes = 64 * 1024;

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public String getToken() { return token; }
        public void setToken(String token) { this.token = token; }
        public String getTokens() { return tokens; }
        public void setTokens(String tokens) { this.tokens = tokens; }
        public String getTokensFile() { return tokensFile; }
        public void setTokensFile(String tokensFile) { this.tokensFile = tokensFile; }
        public boolean isReadsNeedToken() { return readsNeedToken; }
        public void setReadsNeedToken(boolean readsNeedToken) { this.readsNeedToken = readsNeedToken; }
        public int getMaxBodyBytes() { return maxBodyBytes; }
        public void setMaxBodyBytes(int maxBodyBytes) { this.maxBodyBytes = maxBodyBytes; }
    }

    /**
     * {@code sluice.cluster.*}: the cluster for {@code scope: cluster} policies. The environment variables
     * {@code SLUICE_MEMBERS}, {@code SLUICE_HZ_PORT} and {@code SLUICE_HZ_HOST}, when set, override
     * {@code members}, {@code port} and {@code host}, as they do for the servlet filter.
     */
    public static class Cluster {
        /** Force the cluster on (true) or off (false); unset means on when a policy has {@code scope: cluster}. */
        private Boolean enabled;
        /** {@code embedded} (a member in this JVM) or {@code client}. */
        private String mode = "embedded";
        /** A provider configuration file ({@code classpath:...} or a path), or unset for the provider's default. */
        private String config;
        /** {@code host:port} of peers (embedded) or cluster members (client). */
        private List<String> members = new ArrayList<>();
        private Integer port;
        private String host;
        /**
         * Further provider options, e.g. {@code timeout: 100ms} (the time limit of a cluster call on a request's path,
         * default 50ms), {@code breaker-open: 10s}, {@code cluster-name: shop}; the provider refuses unknown names.
         */
        private Map<String, String> options = new LinkedHashMap<>();

        public Boolean getEnabled() { return enabled; }
        public void setEnabled(Boolean enabled) { this.enabled = enabled; }
        public String getMode() { return mode; }
        public void setMode(String mode) { this.mode = mode; }
        public String getConfig() { return config; }
        public void setConfig(String config) { this.config = config; }
        public List<String> getMembers() { return members; }
        public void setMembers(List<String> members) { this.members = members; }
        public Integer getPort() { return port; }
        public void setPort(Integer port) { this.port = port; }
        public String getHost() { return host; }
        public void setHost(String host) { this.host = host; }
        public Map<String, String> getOptions() { return options; }
        public void setOptions(Map<String, String> options) { this.options = options; }
    }
}
