package dev.sluice.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Admission;
import dev.sluice.core.Reason;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.HeaderStyle;
import dev.sluice.core.config.Match;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Quota;
import dev.sluice.core.config.Rate;
import dev.sluice.core.testkit.ManualScheduler;
import dev.sluice.core.testkit.TestRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RateAdmissionTest {
    private final ManualScheduler time = new ManualScheduler();
    private Sluice sluice;

    private Sluice start(Policy... policies) {
        sluice = Sluice.builder().policies(new PolicySet(List.of(policies))).scheduler(time).build();
        return sluice;
    }

    @AfterEach
    void close() {
        if (sluice != null) {
            sluice.close();
        }
    }

    private Admission admit(TestRequest request) {
        CompletableFuture<Admission> future = sluice.admit(request);
        assertThat(future).isDone();
        return future.join();
    }

    @Test
    void admitsTheBurstThenRefusesWithHeadersAndProblem() {
        start(Policy.builder("api").match(new Match(List.of("/api/**"), Set.of(), List.of()))
                .rate(new Rate(2, Duration.ofSeconds(1))).build());

        assertThat(admit(TestRequest.get("/api/a")).admitted()).isTrue();
        Admission second = admit(TestRequest.get("/api/a"));
        assertThat(second.admitted()).isTrue();
        assertThat(second.headers()).contains(new Admission.Header("RateLimit-Policy", "\"api\";q=2;w=1"),
                new Admission.Header("RateLimit", "\"api\";r=0;t=1"));

        Admission third = admit(TestRequest.get("/api/a"));
        assertThat(third.admitted()).isFalse();
        assertThat(third.reason()).isEqualTo(Reason.RATE);
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.retryAfterSeconds()).isEqualTo(1);
        assertThat(third.headers()).contains(new Admission.Header("Retry-After", "1"));
        assertThat(third.problemJson()).contains("\"status\":429", "\"reason\":\"rate\"", "\"policy\":\"api\"");
    }

    @Test
    void refillsWithTime() {
        start(Policy.builder("api").rate(new Rate(10, Duration.ofSeconds(1))).build());
        for (int i = 0; i < 10; i++) {
            assertThat(admit(TestRequest.get("/x")).admitted()).isTrue();
        }
        assertThat(admit(TestRequest.get("/x")).admitted()).isFalse();
        time.advance(Duration.ofMillis(100));
        assertThat(admit(TestRequest.get("/x")).admitted()).isTrue();
        assertThat(admit(TestRequest.get("/x")).admitted()).isFalse();
    }

    @Test
    void requestsOutsideTheMatchAreUnlimited() {
        start(Policy.builder("api").match(new Match(List.of("/api/**"), Set.of("POST"), List.of()))
                .rate(new Rate(1, Duration.ofSeconds(1))).build());
        for (int i = 0; i < 5; i++) {
            Admission admission = admit(TestRequest.get("/api/x"));
            assertThat(admission.admitted()).isTrue();
            assertThat(admission.headers()).isEmpty();
        }
    }

    @Test
    void quotaRefusalNamesTheQuota() {
        start(Policy.builder("api").rate(new Rate(100, Duration.ofSeconds(1)))
                .quota(new Quota(3, Duration.ofDays(1))).headers(HeaderStyle.BOTH).build());
        for (int i = 0; i < 3; i++) {
            assertThat(admit(TestRequest.get("/x")).admitted()).isTrue();
        }
        Admission refused = admit(TestRequest.get("/x"));
        assertThat(refused.reason()).isEqualTo(Reason.QUOTA);
        assertThat(refused.retryAfterSeconds()).isGreaterThan(3600);
        assertThat(refused.headers()).extracting(Admission.Header::name).contains("X-RateLimit-Remaining");
    }

    @Test
    void queuedRequestsAreReleasedAtTheRate() {
        start(Policy.builder("api").rate(new Rate(10, Duration.ofSeconds(1), 1))
                .queue(new QueueLimit(5, Duration.ofSeconds(1))).build());
        assertThat(admit(TestRequest.get("/x")).admitted()).isTrue();
        List<CompletableFuture<Admission>> waiting = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiting.add(sluice.admit(TestRequest.get("/x")));
        }
        assertThat(waiting).noneMatch(CompletableFuture::isDone);
        Admission full = admit(TestRequest.get("/x"));
        assertThat(full.reason()).isEqualTo(Reason.QUEUE_FULL);
        assertThat(full.status()).isEqualTo(503);

        for (int i = 0; i < 5; i++) {
            time.advance(Duration.ofMillis(100));
            assertThat(waiting.get(i)).isDone();
            assertThat(waiting.get(i).join().admitted()).isTrue();
            if (i + 1 < 5) {
                assertThat(waiting.get(i + 1)).isNotDone();
            }
        }
    }
}
