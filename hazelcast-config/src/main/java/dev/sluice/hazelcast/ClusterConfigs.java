package dev.sluice.hazelcast;

import com.hazelcast.client.config.ClientClasspathYamlConfig;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.config.XmlClientConfigBuilder;
import com.hazelcast.client.config.YamlClientConfigBuilder;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import dev.sluice.core.spi.ClusterSettings;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The Hazelcast configurations {@link HazelcastCluster} starts a member or a client with, built from
 * {@link ClusterSettings} (which check themselves), and the checks of the provider options: every message names the
 * option, the bad value and what is allowed. Start-up only.
 */
final class ClusterConfigs {
    private static final Set<String> ALL_OPTIONS = allOptions();

    private ClusterConfigs() {}

    /** @see HazelcastCluster#memberConfig */
    static Config member(ClusterSettings settings) {
        String clusterName = clusterName(settings);
        Config config;
        String location = settings.config();
        try {
            if (location == null) {
                config = Config.loadFromClasspath(HazelcastCluster.class.getClassLoader(),
                        HazelcastCluster.DEFAULT_MEMBER_CONFIG);
            } else if (location.startsWith("classpath:")) {
                config = Config.loadFromClasspath(contextLoader(), location.substring("classpath:".length()));
            } else {
                config = Config.loadFromFile(new File(location));
            }
        } catch (FileNotFoundException | RuntimeException unreadable) {
            throw new IllegalArgumentException("hazelcast configuration " + location + " cannot be read: "
                    + unreadable.getMessage(), unreadable);
        }
        config.setClassLoader(HazelcastCluster.class.getClassLoader());
        if (clusterName != null) {
            config.setClusterName(clusterName);
        }
        if (settings.bindHost() != null) {
            config.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(List.of(settings.bindHost()));
        }
        if (settings.port() != null) {
            config.getNetworkConfig().setPort(settings.port()).setPortAutoIncrement(false);
        }
        JoinConfig join = config.getNetworkConfig().getJoin();
        for (String member : settings.members()) {
            join.getTcpIpConfig().setEnabled(true).addMember(member);
        }
        SluiceSerialization.register(config.getSerializationConfig());
        SplitBrain.configure(config, settings.options().get(SplitBrain.OPTION));
        return config;
    }

    /** @see HazelcastCluster#clientConfig */
    static ClientConfig client(ClusterSettings settings) {
        String clusterName = clusterName(settings);
        String location = settings.config();
        ClientConfig config;
        try {
            if (location == null) {
                config = new ClientClasspathYamlConfig(HazelcastCluster.class.getClassLoader(),
                        HazelcastCluster.DEFAULT_CLIENT_CONFIG,
                        new Properties());
            } else if (location.startsWith("classpath:")) {
                String resource = location.substring("classpath:".length());
                config = resource.toLowerCase(Locale.ROOT).endsWith(".xml")
                        ? new XmlClientConfigBuilder(resourceUrl(resource)).build()
                        : new YamlClientConfigBuilder(resourceUrl(resource)).build();
            } else {
                File file = new File(location);
                config = location.toLowerCase(Locale.ROOT).endsWith(".xml") ? new XmlClientConfigBuilder(file).build()
                        : new YamlClientConfigBuilder(file).build();
            }
        } catch (IOException | RuntimeException unreadable) {
            throw new IllegalArgumentException("hazelcast client configuration " + location + " cannot be read: "
                    + unreadable.getMessage(), unreadable);
        }
        config.setClassLoader(HazelcastCluster.class.getClassLoader());
        if (clusterName != null) {
            config.setClusterName(clusterName);
        }
        for (String member : settings.members()) {
            config.getNetworkConfig().addAddress(member);
        }
        if (config.getNetworkConfig().getAddresses().isEmpty()) {
            throw new IllegalArgumentException("hazelcast client mode needs the cluster's members: set "
                    + "SLUICE_MEMBERS (host:port,...) or list them in the client configuration");
        }
        SluiceSerialization.register(config.getSerializationConfig());
        return config;
    }

    /**
     * The time limit and circuit breaker settings among {@code settings}' options.
     *
     * @throws IllegalArgumentException naming an unknown or bad option
     */
    static ClusterGuard.Settings guardSettings(ClusterSettings settings) {
        checkOptions(settings.options(), ALL_OPTIONS);
        return ClusterGuard.Settings.from(settings.options());
    }

    private static Set<String> allOptions() {
        Set<String> all = new java.util.TreeSet<>(ClusterGuard.OPTIONS);
        all.add(HazelcastCluster.CLUSTER_NAME_OPTION);
        all.add(SplitBrain.OPTION);
        return Set.copyOf(all);
    }

    /** @throws IllegalArgumentException naming the options not in {@code allowed}, and the allowed ones */
    static void checkOptions(Map<String, String> options, Set<String> allowed) {
        Set<String> unknown = new java.util.TreeSet<>(options.keySet());
        unknown.removeAll(allowed);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown hazelcast option(s) " + unknown + "; allowed: "
                    + new java.util.TreeSet<>(allowed));
        }
    }

    private static String clusterName(ClusterSettings settings) {
        checkOptions(settings.options(), ALL_OPTIONS);
        String name = settings.options().get(HazelcastCluster.CLUSTER_NAME_OPTION);
        if (name != null && (name.isBlank() || name.length() > 128)) {
            throw new IllegalArgumentException("hazelcast option " + HazelcastCluster.CLUSTER_NAME_OPTION
                    + " must be 1 to 128 characters, got '" + name + "'");
        }
        return name;
    }

    private static ClassLoader contextLoader() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return loader == null ? HazelcastCluster.class.getClassLoader() : loader;
    }

    private static java.net.URL resourceUrl(String resource) throws FileNotFoundException {
        java.net.URL url = contextLoader().getResource(resource);
        if (url == null) {
            throw new FileNotFoundException("no class path resource " + resource);
        }
        return url;
    }
}
