package dev.sluice.boot.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.Ordered;

/** The starter on a real Spring MVC application (Tomcat, port 0) with policies from sluice.policies. */
@SpringBootTest(classes = MvcTestApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "server.address=127.0.0.1", "server.tomcat.threads.max=3", "server.tomcat.threads.min-spare=1",
        "management.endpoint.health.show-details=always",
        "sluice.policies[0].name=hello-rate", "sluice.policies[0].match.paths[0]=/hello", "sluice.policies[0].key=ip",
        "sluice.policies[0].rate.limit=3", "sluice.policies[0].rate.period=30s",
        "sluice.policies[1].name=work", "sluice.policies[1].match.paths[0]=/work/**",
        "sluice.policies[1].concurrency.permits=1", "sluice.policies[1].concurrency.lease=1m",
        "sluice.policies[1].queue.depth=20", "sluice.policies[1].queue.max-wait=50s"})
class SluiceFilterIT {
    private static final int QUEUED = 6;

    @LocalServerPort
    int port;
    @Autowired
    Sluice sluice;
    @Autowired
    MvcTestApp.Gate gate;
    @Autowired
    MeterRegistry registry;
    @Autowired
    @Qualifier("sluiceFilterRegistration")
    FilterRegistrationBean<?> registration;

    @Test
    void theFilterIsRegisteredAsyncOnRequestAndAsyncDispatchesFirst() {
        assertThat(registration.isAsyncSupported()).isTrue();
        assertThat(registration.getOrder()).isEqualTo(Ordered.HIGHEST_PRECEDENCE + 1);
        assertThat(registration.getUrlPatterns()).containsExactly("/*");
    }

    @Test
    void theFourthQuickHelloIsRefusedWithHeadersAndAProblem() {
        Http http = new Http(port);
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> admitted = http.get("/hello");
            assertThat(admitted.statusCode()).isEqualTo(200);
            assertThat(admitted.headers().firstValue("RateLimit-Policy")).hasValue("\"hello-rate\";q=3;w=30");
        }
        HttpResponse<String> refused = http.get("/hello");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/problem+json"));
        assertThat(registry.find("sluice.requests").tag("policy", "hello-rate").tag("outcome", "refused")
                .counter()).as("Sluice records into the application's registry").isNotNull();
    }

    @Test
    void queuedRequestsHoldNoServerThread() throws Exception {
        Http http = new Http(port);
        CompletableFuture<HttpResponse<String>> holder = http.getAsync("/work/block");
        assertThat(gate.entered.await(30, TimeUnit.SECONDS)).as("the first request runs").isTrue();
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 0; i < QUEUED; i++) {
            waiting.add(http.getAsync("/work/quick"));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (sluice.figures("work").orElseThrow().queued() < QUEUED && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(sluice.figures("work").orElseThrow().queued()).isEqualTo(QUEUED);
        assertThat(http.get("/free").statusCode()).as("%d queued requests, 3 server threads, one of them busy: "
                + "still a thread to serve this", QUEUED).isEqualTo(200);
        gate.latch.get().countDown();
        assertThat(holder.get(30, TimeUnit.SECONDS).body()).isEqualTo("done");
        for (CompletableFuture<HttpResponse<String>> request : waiting) {
            assertThat(request.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void healthHasASluicePart() {
        HttpResponse<String> health = new Http(port).get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"sluice\"").contains("\"policies\":2");
    }
}
