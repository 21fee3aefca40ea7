package dev.sluice.boot.management;

import dev.sluice.boot.SluiceAutoConfiguration;
import dev.sluice.boot.SluiceProperties;
import dev.sluice.core.Sluice;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/** The health contributor {@code sluice} (off with {@code management.health.sluice.enabled=false}). */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass({Sluice.class, HealthIndicator.class})
@ConditionalOnBooleanProperty(name = "sluice.enabled", matchIfMissing = true)
@ConditionalOnEnabledHealthIndicator("sluice")
public class SluiceHealthAutoConfiguration {

    @Bean
    @ConditionalOnBean(Sluice.class)
    @ConditionalOnMissingBean(name = "sluiceHealthIndicator")
    SluiceHealthIndicator sluiceHealthIndicator(Sluice sluice, SluiceProperties properties) {
        return new SluiceHealthIndicator(sluice, properties.getManagement().getHealth().getDegradedStatus());
    }
}
