package dev.sluice.boot.secured;

import java.security.Principal;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A Spring MVC application behind Spring Security (HTTP Basic): an admin holding SLUICE_ADMIN, a viewer without. */
@SpringBootApplication(proxyBeanMethods = false)
class SecuredApp {

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests(requests -> requests.requestMatchers("/public").permitAll()
                        .anyRequest().authenticated())
                .httpBasic(Customizer.withDefaults())
                .csrf(csrf -> csrf.disable())
                .build();
    }

    @Bean
    UserDetailsService users() {
        return new InMemoryUserDetailsManager(
                User.withUsername("admin").password("{noop}admin-pw").authorities("SLUICE_ADMIN").build(),
                User.withUsername("viewer").password("{noop}viewer-pw").authorities("VIEWER").build());
    }

    @RestController
    static class Endpoints {
        @GetMapping("/me")
        String me(Principal principal) {
            return principal.getName();
        }

        @GetMapping("/public")
        String open() {
            return "public";
        }
    }
}
