package dev.sluice.sample.mvc;

import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * The Spring MVC sample: sluice-spring-boot-starter, policies in {@code application.yml} (those of the webapp sample).
 * Environment: {@code PORT} (default 8080), {@code SLUICE_TOKEN} (the management token; a random one is generated and
 * logged when unset), {@code SLUICE_MEMBERS} and {@code SLUICE_HZ_PORT} (the cluster of the {@code scope: cluster}
 * policy).
 */
@SpringBootApplication(proxyBeanMethods = false)
public class SampleMvcApplication {
    private static final Logger LOG = LoggerFactory.getLogger(SampleMvcApplication.class);

    public static void main(String[] args) {
        SpringApplicationBuilder application = new SpringApplicationBuilder(SampleMvcApplication.class);
        String token = System.getenv("SLUICE_TOKEN");
        if (token == null || token.isBlank()) {
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            token = HexFormat.of().formatHex(random);
            application.properties("sluice.management.token=" + token);
            LOG.info("SLUICE_TOKEN is not set; the management token of this run is {}", token);
        }
        application.run(args);
    }
}
