package dev.sluice.gateway;

import dev.sluice.boot.SluiceProperties;
import dev.sluice.boot.management.SluiceManagementAutoConfiguration;
import dev.sluice.core.management.ManagementService;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * For gateways without Actuator only: the management REST API (every method, raw bodies, {@code If-Match} headers)
 * under {@code sluice.management.path} (default {@code /sluice}) on the application's port. Closed like the Actuator
 * endpoint: every call, reads included, needs {@code Authorization: Bearer <token>}; without a configured token nothing
 * gets in. With Actuator on the class path the endpoint {@code sluice} serves instead and this router does not exist.
 */
@AutoConfiguration(after = SluiceManagementAutoConfiguration.class)
@ConditionalOnClass({RouterFunction.class, ManagementService.class})
@ConditionalOnMissingClass("org.springframework.boot.actuate.endpoint.annotation.Endpoint")
@ConditionalOnBooleanProperty(name = "sluice.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "sluice.management.enabled", matchIfMissing = true)
public class SluiceManagementRouterAutoConfiguration {

    @Bean
    @ConditionalOnBean(ManagementService.class)
    RouterFunction<ServerResponse> sluiceManagementRoutes(ManagementService service, SluiceProperties properties) {
        String path = properties.getManagement().getPath();
        String mount = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        ManagementHandler handler = new ManagementHandler(service, mount, properties.getManagement().getMaxBodyBytes());
        return RouterFunctions.route(RequestPredicates.path(mount).or(RequestPredicates.path(mount + "/**")),
                handler::handle);
    }
}
