package dev.sluice.bench.gateway;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.grid.hazelcast.Bucket4jHazelcast;
import io.github.bucket4j.grid.hazelcast.HazelcastProxyManager;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.ResolvableType;
import reactor.core.publisher.Mono;

/**
 * One gateway variant of the load harness: a Spring Cloud Gateway on 127.0.0.1 with one route, {@code /hello} to
 * the backend at {@code BENCH_BACKEND}, and the limiter of the variant on it, every limit far above the load (the
 * figures are the cost of admitting). Prints {@code PORT <n>} once listening and stops when its standard input
 * closes, like the servlet variants' {@code BenchServer}.
 *
 * <p>Usage: {@code java -jar sluice-bench-gateway.jar <variant>}, variant one of {@code GATEWAY_NONE},
 * {@code GATEWAY_REDIS} (needs {@code BENCH_REDIS_PORT}), {@code GATEWAY_BUCKET4J_HAZELCAST},
 * {@code GATEWAY_SLUICE_NODE}, {@code GATEWAY_SLUICE_CLUSTER} (needs {@code SLUICE_HZ_PORT}),
 * {@code GATEWAY_SLUICE_RATE_LIMITER}. The key is the client address everywhere.
 *
 * <p><b>Accuracy mode</b>, for the harness's accuracy runs: with {@code BENCH_ACCURACY_RATE=r} and
 * {@code BENCH_ACCURACY_BURST=b} set, the variant's limiter is a token bucket of {@code b} refilled at {@code r} per
 * second instead (Redis: {@code replenishRate r, burstCapacity b}; Bucket4j: capacity {@code b}, {@code r} tokens per
 * second, greedy refill; Sluice: {@code rate: {limit: r, period: 1s, burst: b}}), and {@link GatewayArrivals} notes
 * when requests arrive and lists the times at {@code GET /arrivals}.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class BenchGateway {
    static final String NEVER_REACHED = "100000000";
    private static final String ROUTE = "spring.cloud.gateway.server.webflux.routes[0].";
    private static final String FILTER = ROUTE + "filters[0].";
    private static final List<String> SLUICE_AUTO_CONFIGURATIONS = List.of("dev.sluice.gateway.SluiceAutoConfiguration",
            "dev.sluice.gateway.SluiceGatewayAutoConfiguration", "dev.sluice.gateway.SluiceRateLimiterAutoConfiguration",
            "dev.sluice.gateway.SluiceManagementAutoConfiguration");
    private static final String REDIS_LIMITER = "org.springframework.cloud.gateway.config.GatewayRedisAutoConfiguration";

    public static void main(String[] args) throws Exception {
        String variant = args[0];
        boolean accuracy = System.getenv("BENCH_ACCURACY_RATE") != null;
        String limit = accuracy ? env("BENCH_ACCURACY_RATE") : NEVER_REACHED;
        String burst = accuracy ? env("BENCH_ACCURACY_BURST") : NEVER_REACHED;
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("server.address", "127.0.0.1");
        properties.put("server.port", "0");
        properties.put("spring.main.banner-mode", "off");
        properties.put("logging.level.root", "WARN");
        properties.put("hazelcast.phone.home.enabled", "false");
        properties.put(ROUTE + "id", "hello");
        properties.put(ROUTE + "uri", env("BENCH_BACKEND"));
        properties.put(ROUTE + "predicates[0]", "Path=/hello");
        HazelcastInstance[] member = new HazelcastInstance[1];
        switch (variant) {
            case "GATEWAY_NONE" -> exclude(properties, true, true);
            case "GATEWAY_REDIS" -> {
                exclude(properties, true, false);
                properties.put("spring.data.redis.host", "127.0.0.1");
                properties.put("spring.data.redis.port", env("BENCH_REDIS_PORT"));
                requestRateLimiter(properties, "redisRateLimiter");
                properties.put(FILTER + "args.redis-rate-limiter.replenishRate", limit);
                properties.put(FILTER + "args.redis-rate-limiter.burstCapacity", burst);
                properties.put(FILTER + "args.redis-rate-limiter.requestedTokens", "1");
            }
            case "GATEWAY_BUCKET4J_HAZELCAST" -> {
                exclude(properties, true, true);
                requestRateLimiter(properties, "bucket4jRateLimiter");
                properties.put(FILTER + "args.bucket4j-rate-limiter.capacity", burst);
                properties.put(FILTER + "args.bucket4j-rate-limiter.refillTokens", limit);
                properties.put(FILTER + "args.bucket4j-rate-limiter.refillPeriod", "1s");
                properties.put(FILTER + "args.bucket4j-rate-limiter.refillStyle", "GREEDY");
                member[0] = hazelcastMember();
            }
            case "GATEWAY_SLUICE_NODE", "GATEWAY_SLUICE_CLUSTER" -> {
                exclude(properties, false, true);
                properties.put(FILTER + "name", "Sluice");
                properties.put(FILTER + "args.key", "ip");
                properties.put(FILTER + "args.rate.limit", limit);
                properties.put(FILTER + "args.rate.period", "1s");
                properties.put(FILTER + "args.rate.burst", burst);
                if (variant.equals("GATEWAY_SLUICE_CLUSTER")) {
                    properties.put(FILTER + "args.scope", "cluster");
                    properties.put("sluice.cluster.host", "127.0.0.1");
                    properties.put("sluice.cluster.port", env("SLUICE_HZ_PORT"));
                }
            }
            case "GATEWAY_SLUICE_RATE_LIMITER" -> {
                exclude(properties, false, true);
                requestRateLimiter(properties, "sluiceRateLimiter");
                properties.put("sluice.rate-limiter.routes.hello.rate.limit", limit);
                properties.put("sluice.rate-limiter.routes.hello.rate.period", "1s");
                properties.put("sluice.rate-limiter.routes.hello.rate.burst", burst);
            }
            default -> throw new IllegalArgumentException("unknown gateway variant " + variant);
        }
        SpringApplication application = new SpringApplication(BenchGateway.class);
        application.setDefaultProperties(properties);
        application.addInitializers(context -> {
            GenericApplicationContext generic = (GenericApplicationContext) context;
            generic.registerBean("ipKeyResolver", KeyResolver.class, () -> exchange -> Mono.just(
                    exchange.getRequest().getRemoteAddress().getAddress().getHostAddress()));
            if (accuracy) {
                generic.registerBean("benchArrivals", GatewayArrivals.class, GatewayArrivals::new);
            }
            if (member[0] != null) {
                HazelcastInstance instance = member[0];
                generic.registerBean("bucket4jProxyManager", AsyncProxyManager.class, () ->
                        Bucket4jHazelcast.entryProcessorBasedBuilder(instance.<String, byte[]>getMap("bench-buckets"))
                                .build().asAsync(),
                        definition -> ((RootBeanDefinition) definition).setTargetType(
                                ResolvableType.forClassWithGenerics(AsyncProxyManager.class, String.class)));
            }
        });
        ConfigurableApplicationContext context = application.run();
        System.out.println("PORT " + context.getEnvironment().getProperty("local.server.port"));
        System.out.flush();
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (stdin.readLine() != null) {
            // runs until the harness closes our input
        }
        context.close();
        if (member[0] != null) {
            member[0].shutdown();
        }
    }

    private static void requestRateLimiter(Map<String, Object> properties, String limiterBean) {
        properties.put(FILTER + "name", "RequestRateLimiter");
        properties.put(FILTER + "args.rate-limiter", "#{@" + limiterBean + "}");
        properties.put(FILTER + "args.key-resolver", "#{@ipKeyResolver}");
    }

    private static void exclude(Map<String, Object> properties, boolean sluice, boolean redisLimiter) {
        List<String> excluded = new java.util.ArrayList<>();
        if (sluice) {
            excluded.addAll(SLUICE_AUTO_CONFIGURATIONS);
        }
        if (redisLimiter) {
            excluded.add(REDIS_LIMITER);
        }
        properties.put("spring.autoconfigure.exclude", String.join(",", excluded));
    }

    private static HazelcastInstance hazelcastMember() {
        Config config = new Config();
        config.setClusterName("sluice-bench-gateway");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "none");
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        HazelcastProxyManager.addCustomSerializers(config.getSerializationConfig(), 10_000);
        return Hazelcast.newHazelcastInstance(config);
    }

    private static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " is not set");
        }
        return value;
    }
}
