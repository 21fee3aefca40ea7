package dev.sluice.boot;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Sluice's application properties ({@code sluice.*}), shared by the servlet starter and the gateway. Policy
 * definitions are typed for IDEs, and checked at start-up by the core parser as written, so a bad definition fails
 * start-up with the message a policy file would give.
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
    private List<PolicyProperties> policies = new ArrayList<>();

    /** Proxies (addresses or CIDR ranges) whose {@code Forwarded} / {@code X-Forwarded-For} the {@code ip} key believes. */
    private List<String> trustedProxies = new ArrayList<>();

    private final Management management = new Management();
    private final Cluster cluster = new Cluster();
    private final Trace trace = new Trace();

    public boolean isEnabled() { return enabled; }
    public void setEnabled(boolean enabled) { this.enabled = enabled; }
    public String getConfig() { return config; }
    public void setConfig(String config) { this.config = config; }
    public List<PolicyProperties> getPolicies() { return policies; }
    public void setPolicies(List<PolicyProperties> policies) { this.policies = policies; }
    public List<String> getTrustedProxies() { return trustedProxies; }
    public void setTrustedProxies(List<String> trustedProxies) { this.trustedProxies = trustedProxies; }
    public Management getManagement() { return management; }
    public Cluster getCluster() { return cluster; }
    public Trace getTrace() { return trace; }

    /**
     * {@code sluice.trace.*}: the decision trace. A request carrying {@link #secret} in the header {@link #header}
     * gets a {@code Sluice-Decision} response header saying how each policy decided. Off without a secret.
     */
    public static class Trace {
        /** The request header that carries the secret. */
        private String header = "Sluice-Trace";
        /** The trace secret, at least 16 characters; else the environment variable SLUICE_TRACE_SECRET; else off. */
        private String secret;

        public String getHeader() { return header; }
        public void setHeader(String header) { this.header = header; }
        public String getSecret() { return secret; }
        public void setSecret(String secret) { this.secret = secret; }
    }

    /**
     * {@code sluice.management.*}: the management API, served as the Actuator endpoint {@code sluice} (exposed like
     * any endpoint: {@code management.endpoints.web.exposure.include=sluice}). Every call, reads included, needs
     * credentials: {@code Authorization: Bearer <token>}, or a caller Spring Security authenticated (reads) with
     * {@link #authority} (writes).
     */
    public static class Management {
        /** Whether the management API (service, Actuator endpoint, health indicator) is on. */
        private boolean enabled = true;
        /** The bearer token; else the environment variable {@code SLUICE_TOKEN}; without either, only Spring Security callers. */
        private String token;
        /** The Spring Security authority that lets an authenticated caller change policies (reads need any authenticated caller). */
        private String authority = "SLUICE_ADMIN";
        /** The largest body a write may send, in bytes. */
        private int maxBodyBytes = 64 * 1024;
        /** How many accepted changes {@code GET .../audit} keeps, newest first. */
        private int auditSize = 1000;
        /** Gateways without Actuator only: where the REST API is served on the application's port. */
        private String path = "/sluice";
        private final Health health = new Health();

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public String getToken() { return token; }
        public void setToken(String token) { this.token = token; }
        public String getAuthority() { return authority; }
        public void setAuthority(String authority) { this.authority = authority; }
        public int getMaxBodyBytes() { return maxBodyBytes; }
        public void setMaxBodyBytes(int maxBodyBytes) { this.maxBodyBytes = maxBodyBytes; }
        public int getAuditSize() { return auditSize; }
        public void setAuditSize(int auditSize) { this.auditSize = auditSize; }
        public String getPath() { return path; }
        public void setPath(String path) { this.path = path; }
        public Health getHealth() { return health; }

        /** {@code sluice.management.health.*}: the health contributor {@code sluice}. */
        public static class Health {
            /**
             * The status reported while a backend answers through its failure rule ({@code DEGRADED}):
             * {@code OUT_OF_SERVICE} (Boot answers 503), {@code UP}, or a status of your own.
             */
            private String degradedStatus = "OUT_OF_SERVICE";

            public String getDegradedStatus() { return degradedStatus; }
            public void setDegradedStatus(String degradedStatus) { this.degradedStatus = degradedStatus; }
        }
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
