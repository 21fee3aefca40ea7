package dev.sluice.hazelcast;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.SerializationConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.ClusterConnection;
import dev.sluice.core.spi.ClusterSettings;
import dev.sluice.core.spi.PolicyStore;
import dev.sluice.core.time.Scheduler;
import dev.sluice.core.time.SystemScheduler;
import dev.sluice.core.time.Ticker;
import io.github.bucket4j.grid.hazelcast.HazelcastProxyManager;
import java.io.FileNotFoundException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Sluice cluster connection on Hazelcast: the backend and the replicated policy store over one instance.
 * {@link #start} starts an embedded member (or a client) from settings; {@link #over} reuses an instance the
 * application already has (which must have had {@link #registerSerializers} applied to its configuration).
 */
public final class HazelcastCluster implements ClusterConnection {
    /** The default embedded member configuration, a resource of this jar. */
    public static final String DEFAULT_CONFIG = "dev/sluice/hazelcast/sluice-member.yaml";
    /** The first of the serialization type ids Bucket4j's serializers take (they use a small contiguous range). */
    public static final int BUCKET4J_TYPE_ID_BASE = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastCluster.class);

    private final HazelcastInstance hazelcast;
    private final boolean ownsInstance;
    private final SystemScheduler ownedScheduler;
    private final HazelcastBackend backend;
    private final HazelcastPolicyStore store;

    private HazelcastCluster(HazelcastInstance hazelcast, boolean ownsInstance, Scheduler scheduler,
            SystemScheduler ownedScheduler, Ticker clock) {
        this.hazelcast = hazelcast;
        this.ownsInstance = ownsInstance;
        this.ownedScheduler = ownedScheduler;
        this.backend = new HazelcastBackend(hazelcast, scheduler, clock);
        this.store = new HazelcastPolicyStore(hazelcast);
    }

    /** Over an instance the application manages (not shut down by {@link #close()}). */
    public static HazelcastCluster over(HazelcastInstance hazelcast, Scheduler scheduler) {
        return new HazelcastCluster(hazelcast, false, scheduler, null, HazelcastBackend.WALL_CLOCK);
    }

    /** Over an instance, with an explicit cluster clock (tests drive it by hand). */
    public static HazelcastCluster over(HazelcastInstance hazelcast, Scheduler scheduler, Ticker clusterClock) {
        return new HazelcastCluster(hazelcast, false, scheduler, null, clusterClock);
    }

    /**
     * Starts an embedded member or a client from {@code settings}, and owns it.
     *
     * @throws IllegalArgumentException naming the setting that is wrong
     */
    public static HazelcastCluster start(ClusterSettings settings) {
        HazelcastInstance instance = switch (settings.mode()) {
            case "embedded" -> Hazelcast.newHazelcastInstance(memberConfig(settings));
            case "client" -> HazelcastClient.newHazelcastClient(clientConfig(settings));
            default -> throw new IllegalArgumentException("hazelcast mode must be embedded or client, got '"
                    + settings.mode() + "'");
        };
        try {
            if (settings.mode().equals("client")) {
                ClusterCheck.verify(instance);
            }
            SystemScheduler scheduler = new SystemScheduler();
            LOG.info("Sluice joined Hazelcast cluster '{}' as {} ({} members)", instance.getConfig().getClusterName(),
                    settings.mode(), instance.getCluster().getMembers().size());
            return new HazelcastCluster(instance, true, scheduler, scheduler, HazelcastBackend.WALL_CLOCK);
        } catch (RuntimeException failure) {
            instance.shutdown();
            throw failure;
        }
    }

    /** The embedded member configuration: the settings' file or the default, adjusted by the settings. */
    static Config memberConfig(ClusterSettings settings) {
        if (!settings.options().isEmpty()) {
            throw new IllegalArgumentException("unknown hazelcast options " + settings.options().keySet()
                    + "; none are supported");
        }
        Config config;
        try {
            config = settings.config() == null ? Config.loadFromClasspath(HazelcastCluster.class.getClassLoader(),
                    DEFAULT_CONFIG) : settings.config().startsWith("classpath:")
                    ? Config.loadFromClasspath(Thread.currentThread().getContextClassLoader(),
                            settings.config().substring("classpath:".length()))
                    : Config.loadFromFile(Path.of(settings.config()).toFile());
        } catch (FileNotFoundException | IllegalArgumentException missing) {
            throw new IllegalArgumentException("hazelcast configuration " + settings.config() + " cannot be read: "
                    + missing.getMessage(), missing);
        }
        config.setClassLoader(HazelcastCluster.class.getClassLoader());
        if (settings.bindHost() != null) {
            config.getNetworkConfig().getInterfaces().setEnabled(true)
                    .setInterfaces(java.util.List.of(settings.bindHost()));
        }
        if (settings.port() != null) {
            if (settings.port() < 1 || settings.port() > 65535) {
                throw new IllegalArgumentException("hazelcast port must be from 1 to 65535, got " + settings.port());
            }
            config.getNetworkConfig().setPort(settings.port()).setPortAutoIncrement(false);
        }
        JoinConfig join = config.getNetworkConfig().getJoin();
        for (String member : settings.members()) {
            join.getTcpIpConfig().addMember(member);
        }
        registerSerializers(config.getSerializationConfig());
        return config;
    }

    static ClientConfig clientConfig(ClusterSettings settings) {
        if (settings.members().isEmpty()) {
            throw new IllegalArgumentException("hazelcast client mode needs the cluster's members (SLUICE_MEMBERS)");
        }
        ClientConfig config = new ClientConfig();
        config.setClusterName("sluice");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.getNetworkConfig().addAddress(settings.members().toArray(String[]::new));
        config.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(30_000);
        registerSerializers(config.getSerializationConfig());
        return config;
    }

    /**
     * Registers what Sluice needs on a Hazelcast serialization configuration: Bucket4j's serializers, with type ids
     * from {@value #BUCKET4J_TYPE_ID_BASE}. Sluice's own values and processors are {@code Serializable}. Apply it to
     * the configuration of every member and client of a cluster Sluice uses.
     */
    public static void registerSerializers(SerializationConfig serialization) {
        HazelcastProxyManager.addCustomSerializers(serialization, BUCKET4J_TYPE_ID_BASE);
    }

    public HazelcastInstance instance() {
        return hazelcast;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public PolicyStore policyStore() {
        return store;
    }

    /** Leaves the cluster if this connection started the instance. */
    @Override
    public void close() {
        backend.close();
        store.close();
        if (ownedScheduler != null) {
            ownedScheduler.close();
        }
        if (ownsInstance) {
            hazelcast.shutdown();
        }
    }
}
