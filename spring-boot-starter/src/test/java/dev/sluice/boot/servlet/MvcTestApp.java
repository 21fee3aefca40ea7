package dev.sluice.boot.servlet;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring MVC application for tests: its policies come from the test's properties. Spring Security is on the test
 * class path for {@code SecuredEndpointIT}; this application leaves it out.
 */
@SpringBootApplication(proxyBeanMethods = false, excludeName = {
        "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration"})
class MvcTestApp {

    /** Holds {@code /work/block} until a test opens it; each test context has its own. */
    static final class Gate {
        final AtomicReference<CountDownLatch> latch = new AtomicReference<>(new CountDownLatch(1));
        final CountDownLatch entered = new CountDownLatch(1);
    }

    @Bean
    Gate gate() {
        return new Gate();
    }

    @RestController
    static class Endpoints {
        private final Gate gate;

        Endpoints(Gate gate) {
            this.gate = gate;
        }

        @GetMapping("/hello")
        String hello() {
            return "hello";
        }

        @GetMapping("/free")
        String free() {
            return "free";
        }

        @GetMapping("/work/block")
        String block() throws InterruptedException {
            gate.entered.countDown();
            return gate.latch.get().await(60, TimeUnit.SECONDS) ? "done" : "gave up";
        }

        @GetMapping("/work/quick")
        String quick() {
            return "quick";
        }
    }
}
