package dev.sluice.sample.gateway;

import java.security.SecureRandom;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;

/**
 * One user of each management role, over HTTP Basic: {@code viewer} may read the Actuator endpoint {@code sluice},
 * {@code admin} holds the authority {@code sluice.management.authority} (default {@code SLUICE_ADMIN}) and may change
 * policies. Passwords come from {@code sample.viewer-password} and {@code sample.admin-password}
 * ({@code SLUICE_VIEWER_PASSWORD} and {@code SLUICE_ADMIN_PASSWORD} in {@code application.yml}); a random one is
 * generated and logged when unset. Every path stays open to anonymous callers (the routes, health): the endpoint
 * {@code sluice} refuses them itself, and still takes the bearer token ({@code SLUICE_TOKEN}).
 */
@Configuration(proxyBeanMethods = false)
class SampleSecurity {
    private static final Logger LOG = LoggerFactory.getLogger(SampleSecurity.class);

    @Bean
    SecurityWebFilterChain sampleSecurityChain(ServerHttpSecurity http) {
        // HTTP Basic only, no sessions or cookies, hence no CSRF token to check.
        return http.authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .httpBasic(Customizer.withDefaults())
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
                .csrf(csrf -> csrf.disable())
                .build();
    }

    @Bean
    MapReactiveUserDetailsService sampleUsers(@Value("${sluice.management.authority:SLUICE_ADMIN}") String authority,
            @Value("${sample.viewer-password:}") String viewerPassword,
            @Value("${sample.admin-password:}") String adminPassword) {
        return new MapReactiveUserDetailsService(
                User.withUsername("viewer").password("{noop}" + password(viewerPassword, "viewer",
                        "SLUICE_VIEWER_PASSWORD")).authorities("SLUICE_VIEWER").build(),
                User.withUsername("admin").password("{noop}" + password(adminPassword, "admin",
                        "SLUICE_ADMIN_PASSWORD")).authorities(authority).build());
    }

    private static String password(String configured, String user, String variable) {
        if (!configured.isBlank()) {
            return configured;
        }
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        String password = HexFormat.of().formatHex(random);
        LOG.info("{} is not set; the password of the user '{}' for this run is {}", variable, user, password);
        return password;
    }
}
