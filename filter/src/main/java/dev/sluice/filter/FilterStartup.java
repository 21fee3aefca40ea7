package dev.sluice.filter;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.Scope;
import dev.sluice.core.spi.ClusterConnection;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link SluiceFilter} runs on, from {@code init} to {@code destroy}: the engine it was given, or the one built
 * from its settings and policy file, with the cluster connection when a policy or the {@code hazelcast} setting
 * asks for one. Start-up only; blocks while connecting.
 *
 * @param sluice  the engine
 * @param cluster the cluster connection, or null
 * @param owned   whether the engine was built here (and is closed by {@link #close})
 * @param context the servlet context the engine is published in, or null
 */
record FilterStartup(Sluice sluice, ClusterConnection cluster, boolean owned, ServletContext context) {
    /** Logged as the filter, as before this moved out of it. */
    private static final Logger LOG = LoggerFactory.getLogger(SluiceFilter.class);

    /**
     * Starts what the filter of {@code config} uses: {@code supplied}, or else an engine configured by the
     * init-params and {@code environment}; then publishes it as the context attribute
     * {@value SluiceFilter#SLUICE_ATTRIBUTE}.
     *
     * @throws ServletException naming the filter and the bad setting, policy field or missing piece; nothing is left
     *                          running
     */
    static FilterStartup init(FilterConfig config, Sluice supplied, Function<String, String> environment)
            throws ServletException {
        ServletContext context = config.getServletContext();
        Map<String, String> params = initParams(config);
        FilterStartup started;
        try {
            if (supplied != null) {
                if (!params.isEmpty()) {
                    throw new IllegalArgumentException("init-params " + params.keySet() + " are not used by a "
                            + "filter built around an existing Sluice; configure that instance instead");
                }
                started = new FilterStartup(supplied, null, false, context);
            } else {
                FilterStartup built = start(FilterSettings.read(params, environment), context, loader());
                started = new FilterStartup(built.sluice(), built.cluster(), true, context);
            }
        } catch (IllegalArgumentException | IllegalStateException | ConfigException problem) {
            throw new ServletException("SluiceFilter '" + config.getFilterName() + "' cannot start: "
                    + problem.getMessage(), problem);
        }
        context.setAttribute(SluiceFilter.SLUICE_ATTRIBUTE, started.sluice());
        return started;
    }

    private static Map<String, String> initParams(FilterConfig config) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String name : Collections.list(config.getInitParameterNames())) {
            params.put(name, config.getInitParameter(name));
        }
        return params;
    }

    private static ClassLoader loader() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return loader != null ? loader : SluiceFilter.class.getClassLoader();
    }

    /** Withdraws the published engine; closes it and leaves the cluster when it was built here. */
    void close() {
        if (context != null && context.getAttribute(SluiceFilter.SLUICE_ATTRIBUTE) == sluice) {
            context.removeAttribute(SluiceFilter.SLUICE_ATTRIBUTE);
        }
        if (owned) {
            sluice.close();
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    /**
     * The engine (and cluster connection) that {@code settings} ask for.
     *
     * @throws IllegalArgumentException naming a bad setting
     * @throws IllegalStateException    when the cluster is needed but cannot be reached
     * @throws dev.sluice.core.config.ConfigException naming a bad policy field; nothing is left running
     */
    static FilterStartup start(FilterSettings settings, ServletContext context, ClassLoader loader) {
        PolicySet policies = PolicyFiles.load(settings.config(), settings.configSource(), context, loader);
        LinkedHashSet<String> proxies = new LinkedHashSet<>(policies.trustedProxies());
        proxies.addAll(settings.trustedProxies());
        String clusterReason = clusterReason(settings, policies);
        ClusterConnection connection = clusterReason == null ? null
                : Clusters.connect(settings.clusterSettings(), loader, clusterReason);
        try {
            Sluice built = Sluice.builder()
                    .policies(policies)
                    .source(settings.config())
                    .trustedProxies(List.copyOf(proxies))
                    .cluster(connection)
                    .decisionTrace(settings.trace())
                    .build();
            LOG.info("SluiceFilter started with {} policies from {} ({}){}", policies.policies().size(),
                    settings.config(), settings.configSource(),
                    proxies.isEmpty() ? "" : ", trusting forwarding headers from " + proxies);
            return new FilterStartup(built, connection, true, context);
        } catch (RuntimeException failure) {
            if (connection != null) {
                connection.close();
            }
            throw failure;
        }
    }

    private static String clusterReason(FilterSettings settings, PolicySet policies) {
        if (settings.hazelcast() != null) {
            return "the hazelcast setting";
        }
        for (Policy policy : policies.policies()) {
            if (policy.scope() == Scope.CLUSTER) {
                return "policy '" + policy.name() + "' (scope: cluster)";
            }
        }
        return null;
    }
}
