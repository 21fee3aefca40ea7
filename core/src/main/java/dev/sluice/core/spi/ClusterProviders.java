package dev.sluice.core.spi;

import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds a {@link ClusterProvider} with {@link ServiceLoader}: the one lookup the adapters share. Start-up only; loads
 * provider classes.
 */
public final class ClusterProviders {
    /** The provider the adapters use: {@code dev.sluice:sluice-hazelcast}. */
    public static final String DEFAULT = "hazelcast";

    private ClusterProviders() {}

    /**
     * The first provider named {@code name} on {@code loader}'s class path.
     *
     * @return the provider, or empty when none has that name
     * @throws ServiceConfigurationError when a provider listed on the class path cannot be loaded; callers say what
     *                                   to do about it
     */
    public static Optional<ClusterProvider> find(String name, ClassLoader loader) {
        for (ClusterProvider provider : ServiceLoader.load(ClusterProvider.class, loader)) {
            if (name.equals(provider.name())) {
                return Optional.of(provider);
            }
        }
        return Optional.empty();
    }
}
