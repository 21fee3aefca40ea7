package dev.sluice.sample.gateway;

import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The sample gateway: starts its echo backend on a free loopback port, then the gateway (routes and policies in
 * {@code application.yml}). Environment: {@code PORT} (default 8080), {@code SLUICE_TOKEN} (the management token; a
 * random one is generated and logged when unset), {@code SLUICE_MEMBERS} and {@code SLUICE_HZ_PORT} (for
 * cluster-scope policies, with {@code dev.sluice:sluice-hazelcast} on the class path).
 */
@SpringBootApplication(proxyBeanMethods = false)
public class SampleGateway {
    private static final Logger LOG = LoggerFactory.getLogger(SampleGateway.class);

    public static void main(String[] args) {
        EchoBackend backend = new EchoBackend();
        String token = System.getenv("SLUICE_TOKEN");
        SpringApplicationBuilder application = new SpringApplicationBuilder(SampleGateway.class)
                .properties("sample.backend.uri=" + backend.uri());
        if (token == null || token.isBlank()) {
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            token = HexFormat.of().formatHex(random);
            application.properties("sluice.management.token=" + token);
            LOG.info("SLUICE_TOKEN is not set; the management token of this run is {}", token);
        }
        ConfigurableApplicationContext context = application.run(args);
        context.addApplicationListener(event -> {
            if (event instanceof org.springframework.context.event.ContextClosedEvent) {
                backend.close();
            }
        });
    }
}
