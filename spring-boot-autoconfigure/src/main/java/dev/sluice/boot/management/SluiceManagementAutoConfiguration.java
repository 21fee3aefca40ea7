package dev.sluice.boot.management;

import dev.sluice.boot.SluiceAutoConfiguration;
import dev.sluice.boot.SluiceProperties;
import dev.sluice.core.Sluice;
import dev.sluice.core.management.ManagementService;
import dev.sluice.core.management.ManagementSettings;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The management API: the core {@link ManagementService} and its translation for Actuator,
 * {@link SluiceManagementApi} (the endpoint itself: {@link SluiceEndpointAutoConfiguration}). Off with
 * {@code sluice.management.enabled=false}.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass({Sluice.class, ManagementService.class})
@ConditionalOnBooleanProperty(name = "sluice.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "sluice.management.enabled", matchIfMissing = true)
public class SluiceManagementAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(SluiceManagementAutoConfiguration.class);

    /** The token callers send: {@code sluice.management.token}, else {@code SLUICE_TOKEN}, else null. */
    static String token(SluiceProperties properties, Environment environment) {
        String token = properties.getManagement().getToken();
        if (token == null || token.isBlank()) {
            token = environment.getProperty("SLUICE_TOKEN");
        }
        return token == null || token.isBlank() ? null : token.strip();
    }

    /**
     * Reads need the token too. Without a configured token the service gets a random one that only the Actuator
     * endpoint knows (it sends it on behalf of callers Spring Security admitted), so nothing is open by default.
     */
    @Bean
    @ConditionalOnBean(Sluice.class)
    ManagementTokens sluiceManagementTokens(SluiceProperties properties, Environment environment) {
        String token = token(properties, environment);
        return new ManagementTokens(token, token != null ? token : internalToken());
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnBean(Sluice.class)
    @ConditionalOnMissingBean
    ManagementService sluiceManagementService(Sluice sluice, SluiceProperties properties, ManagementTokens tokens) {
        SluiceProperties.Management management = properties.getManagement();
        if (tokens.callers() == null) {
            LOG.info("Sluice management: no token (sluice.management.token or SLUICE_TOKEN); only callers the "
                    + "application authenticates reach the endpoint, and writes need the authority {}",
                    management.getAuthority());
        }
        ManagementSettings settings = ManagementSettings.builder().token(tokens.service())
                .readsNeedToken(true).maxBodyBytes(management.getMaxBodyBytes()).auditSize(management.getAuditSize())
                .build();
        return new ManagementService(sluice, settings);
    }

    @Bean
    @ConditionalOnBean(ManagementService.class)
    @ConditionalOnMissingBean
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.web.WebEndpointResponse")
    SluiceManagementApi sluiceManagementApi(ManagementService service, SluiceProperties properties,
            ManagementTokens tokens) {
        return new SluiceManagementApi(service, tokens.callers(), tokens.service(),
                properties.getManagement().getAuthority());
    }

    /**
     * @param callers the token callers send, or null
     * @param service the token the service checks: the callers' token, or a random one only the endpoint knows
     */
    public record ManagementTokens(String callers, String service) {
        @Override
        public String toString() {
            return "ManagementTokens[hidden]";
        }
    }

    private static String internalToken() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }
}
