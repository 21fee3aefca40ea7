package dev.sluice.gateway;

import dev.sluice.core.Sluice;
import dev.sluice.core.management.ManagementService;
import dev.sluice.core.management.ManagementSettings;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The management API under {@code <management.endpoints.web.base-path>/sluice} (default {@code /actuator/sluice}),
 * on the application's port: {@code GET /actuator/sluice/policies}, {@code PATCH /actuator/sluice/policies/{name}},
 * ... as the servlet endpoint serves them (same core service, same answers). It is a WebFlux router function rather
 * than an Actuator endpoint because the API needs every method, raw bodies (YAML, merge patches) and the request
 * headers ({@code Authorization}, {@code If-Match}), which Actuator operations do not pass on. Writes need
 * {@code Authorization: Bearer <token>} with {@code sluice.management.token} (else the environment variable
 * {@code SLUICE_TOKEN}) or a write token of {@code sluice.management.tokens} / {@code tokens-file} (else
 * {@code SLUICE_TOKENS} / {@code SLUICE_TOKENS_FILE}); without any the API is read-only. A bad token setting or file
 * fails start-up. Off with {@code sluice.management.enabled=false}.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass({RouterFunction.class, ManagementService.class})
@ConditionalOnBooleanProperty(name = "sluice.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "sluice.management.enabled", matchIfMissing = true)
public class SluiceManagementAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(SluiceManagementAutoConfiguration.class);

    @Bean(destroyMethod = "close")
    @ConditionalOnBean(Sluice.class)
    @ConditionalOnMissingBean
    ManagementService sluiceManagementService(Sluice sluice, SluiceProperties properties, Environment environment) {
        SluiceProperties.Management management = properties.getManagement();
        String token = management.getToken();
        if (token == null || token.isBlank()) {
            token = environment.getProperty("SLUICE_TOKEN");
        }
        String tokens = management.getTokens();
        if (tokens == null || tokens.isBlank()) {
            tokens = environment.getProperty("SLUICE_TOKENS");
        }
        String file = management.getTokensFile();
        if (file == null || file.isBlank()) {
            file = environment.getProperty("SLUICE_TOKENS_FILE");
        }
        ManagementSettings settings = ManagementSettings.withToken(token)
                .tokens(tokens)
                .tokensFile(file == null || file.isBlank() ? null : Path.of(file.strip()))
                .readsNeedToken(management.isReadsNeedToken())
                .maxBodyBytes(management.getMaxBodyBytes());
        if (!settings.hasTokens()) {
            LOG.warn("Sluice management API is read-only: no token is configured (sluice.management.token, "
                    + "sluice.management.tokens or tokens-file, or SLUICE_TOKEN, SLUICE_TOKENS or SLUICE_TOKENS_FILE)");
        }
        return new ManagementService(sluice, settings);
    }

    @Bean
    @ConditionalOnBean(ManagementService.class)
    RouterFunction<ServerResponse> sluiceManagementRoutes(ManagementService service, SluiceProperties properties,
            Environment environment) {
        String base = environment.getProperty("management.endpoints.web.base-path", "/actuator");
        String mount = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/sluice";
        ManagementHandler handler = new ManagementHandler(service, mount,
                properties.getManagement().getMaxBodyBytes());
        return RouterFunctions.route(RequestPredicates.path(mount).or(RequestPredicates.path(mount + "/**")),
                handler::handle);
    }
}
