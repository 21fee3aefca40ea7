package dev.sluice.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.Admission;
import dev.sluice.core.Reason;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.ConfigException;
import dev.sluice.core.config.HeaderCondition;
import dev.sluice.core.config.Match;
import dev.sluice.core.config.MissingKey;
import dev.sluice.core.config.Mode;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.config.QueueLimit;
import dev.sluice.core.config.Rate;
import dev.sluice.core.config.Reject;
import dev.sluice.core.config.Scope;
import dev.sluice.core.spi.VersionedPolicy;
import dev.sluice.core.testkit.ManualScheduler;
import dev.sluice.core.testkit.TestRequest;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine across policies: order, release on later refusal, shadow mode, keys, cancellation, live changes. */
class AdmissionTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private final ManualScheduler time = new ManualScheduler();
    private Sluice sluice;

    private void start(Policy... policies) {
        sluice = Sluice.builder().policies(new PolicySet(List.of(policies))).scheduler(time).build();
    }

    @AfterEach
    void close() {
        if (sluice != null) {
            sluice.close();
        }
    }

    private Admission now(TestRequest request) {
        CompletableFuture<Admission> future = sluice.admit(request);
        assertThat(future).as("decided at once").isDone();
        return future.join();
    }

    private long inUse(String policy) {
        return sluice.figures(policy).orElseThrow().permitsInUse();
    }

    @Test
    void aRefusalByALaterPolicyReleasesThePermitsOfEarlierOnes() {
        start(Policy.builder("first").concurrency(new Concurrency(5)).build(),
                Policy.builder("second").rate(new Rate(1, MINUTE)).build());
        Admission admitted = now(TestRequest.get("/x"));
        assertThat(admitted.admitted()).isTrue();
        assertThat(inUse("first")).isEqualTo(1);
        Admission refused = now(TestRequest.get("/x"));
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.policy()).isEqualTo("second");
        assertThat(inUse("first")).as("the refused request holds nothing").isEqualTo(1);
        admitted.release();
        admitted.release();
        assertThat(inUse("first")).isZero();
    }

    @Test
    void aRequestCarriesLeasesOfEveryConcurrencyPolicyAndReleasesThemOnce() {
        start(Policy.builder("a").concurrency(new Concurrency(2)).build(),
                Policy.builder("b").concurrency(new Concurrency(2)).build());
        Admission one = now(TestRequest.get("/x"));
        assertThat(inUse("a")).isEqualTo(1);
        assertThat(inUse("b")).isEqualTo(1);
        one.release();
        one.release();
        assertThat(inUse("a")).isZero();
        assertThat(inUse("b")).isZero();
    }

    @Test
    void concurrencyRefusalAnswers503AndRejectStatusOverridesIt() {
        start(Policy.builder("c").match(new Match(List.of("/x"), Set.of(), List.of()))
                        .concurrency(new Concurrency(1)).build(),
                Policy.builder("d").match(new Match(List.of("/d/**"), Set.of(), List.of()))
                        .concurrency(new Concurrency(1)).reject(new Reject(429)).build());
        Admission held = now(TestRequest.get("/x"));
        Admission refused = now(TestRequest.get("/x"));
        assertThat(refused.reason()).isEqualTo(Reason.CONCURRENCY);
        assertThat(refused.status()).isEqualTo(503);
        held.release();

        Admission heldD = now(TestRequest.get("/d/1"));
        Admission refusedD = now(TestRequest.get("/d/1"));
        assertThat(refusedD.admitted()).isFalse();
        assertThat(refusedD.status()).isEqualTo(429);
        heldD.release();
    }

    @Test
    void aQueuedRequestIsAdmittedWhenAPermitIsReleased() {
        start(Policy.builder("c").concurrency(new Concurrency(1)).queue(new QueueLimit(10, MINUTE)).build());
        Admission held = now(TestRequest.get("/x"));
        CompletableFuture<Admission> waiting = sluice.admit(TestRequest.get("/x"));
        assertThat(waiting).isNotDone();
        assertThat(sluice.figures("c").orElseThrow().queued()).isEqualTo(1);
        held.release();
        assertThat(waiting).isDone();
        Admission admitted = waiting.join();
        assertThat(admitted.admitted()).isTrue();
        admitted.release();
        assertThat(inUse("c")).isZero();
    }

    @Test
    void theWaitBudgetCoversRateAndConcurrencyTogether() {
        start(Policy.builder("both").rate(new Rate(1, Duration.ofMillis(600), 1)).concurrency(new Concurrency(1))
                .queue(new QueueLimit(10, Duration.ofSeconds(1))).build());
        Admission first = now(TestRequest.get("/x"));
        CompletableFuture<Admission> second = sluice.admit(TestRequest.get("/x"));
        time.advance(Duration.ofMillis(600));
        assertThat(second).as("tokens due, now waiting for the permit").isNotDone();
        time.advance(Duration.ofMillis(401));
        assertThat(second).isDone();
        assertThat(second.join().reason()).isEqualTo(Reason.QUEUE_TIMEOUT);
        first.release();
        assertThat(inUse("both")).isZero();
    }

    @Test
    void cancellingAWaitingAdmissionLeavesTheQueueAndReleasesEarlierPermits() {
        start(Policy.builder("outer").concurrency(new Concurrency(10)).build(),
                Policy.builder("inner").concurrency(new Concurrency(1)).queue(new QueueLimit(10, MINUTE)).build());
        Admission held = now(TestRequest.get("/x"));
        CompletableFuture<Admission> waiting = sluice.admit(TestRequest.get("/x"));
        assertThat(inUse("outer")).isEqualTo(2);
        assertThat(sluice.figures("inner").orElseThrow().queued()).isEqualTo(1);

        waiting.cancel(false);
        assertThat(sluice.figures("inner").orElseThrow().queued()).isZero();
        assertThat(inUse("outer")).isEqualTo(1);
        held.release();
        assertThat(inUse("outer")).isZero();
        assertThat(inUse("inner")).isZero();
    }

    @Test
    void shadowModeAdmitsButSaysItWouldHaveRefused() {
        start(Policy.builder("watch").rate(new Rate(1, MINUTE)).mode(Mode.SHADOW).build());
        assertThat(now(TestRequest.get("/x")).wouldRefuse()).isFalse();
        Admission second = now(TestRequest.get("/x"));
        assertThat(second.admitted()).isTrue();
        assertThat(second.wouldRefuse()).isTrue();
        assertThat(second.reason()).isEqualTo(Reason.RATE);
        assertThat(second.policy()).isEqualTo("watch");
        assertThat(second.headers()).as("shadow policies change nothing in the response").isEmpty();
        assertThat(sluice.meterRegistry().get("sluice.requests").tag("policy", "watch")
                .tag("outcome", "shadow-refused").tag("reason", "rate").counter().count()).isEqualTo(1);
    }

    @Test
    void shadowConcurrencyHoldsPermitsButNeverWaits() {
        start(Policy.builder("watch").concurrency(new Concurrency(1)).queue(new QueueLimit(5, MINUTE))
                .mode(Mode.SHADOW).build());
        Admission first = now(TestRequest.get("/x"));
        Admission second = now(TestRequest.get("/x"));
        assertThat(second.admitted()).isTrue();
        assertThat(second.wouldRefuse()).isTrue();
        assertThat(second.reason()).isEqualTo(Reason.CONCURRENCY);
        first.release();
        second.release();
        assertThat(inUse("watch")).isZero();
    }

    @Test
    void keysSeparateClients() {
        start(Policy.builder("per-key").key("header:X-Api-Key").rate(new Rate(1, MINUTE)).build());
        assertThat(now(TestRequest.get("/x").header("X-Api-Key", "a")).admitted()).isTrue();
        assertThat(now(TestRequest.get("/x").header("x-api-key", "a")).admitted()).isFalse();
        assertThat(now(TestRequest.get("/x").header("X-Api-Key", "b")).admitted()).isTrue();
    }

    @Test
    void missingKeyRulesApply() {
        start(Policy.builder("global").key("header:K").rate(new Rate(1, MINUTE)).build(),
                Policy.builder("skip").match(new Match(List.of("/skip/**"), Set.of(), List.of())).key("param:p")
                        .missingKey(MissingKey.SKIP).rate(new Rate(1, MINUTE)).build(),
                Policy.builder("reject").match(new Match(List.of("/reject/**"), Set.of(), List.of()))
                        .key("cookie:session").missingKey(MissingKey.REJECT).rate(new Rate(100, MINUTE)).build());
        assertThat(now(TestRequest.get("/a")).admitted()).isTrue();
        Admission shared = now(TestRequest.get("/b"));
        assertThat(shared.admitted()).as("requests without the key share one bucket").isFalse();

        sluice.close();
        start(Policy.builder("skip").key("param:p").missingKey(MissingKey.SKIP).rate(new Rate(1, MINUTE)).build(),
                Policy.builder("reject").match(new Match(List.of("/reject/**"), Set.of(), List.of()))
                        .key("cookie:session").missingKey(MissingKey.REJECT).rate(new Rate(100, MINUTE)).build());
        for (int i = 0; i < 3; i++) {
            assertThat(now(TestRequest.get("/x")).admitted()).as("skip: policy does not apply").isTrue();
        }
        Admission rejected = now(TestRequest.get("/reject/x"));
        assertThat(rejected.admitted()).isFalse();
        assertThat(rejected.reason()).isEqualTo(Reason.BAD_KEY);
        assertThat(rejected.status()).isEqualTo(400);
        assertThat(rejected.problemJson()).contains("\"reason\":\"bad-key\"");
        assertThat(now(TestRequest.get("/reject/x").cookie("session", "s1")).admitted()).isTrue();
    }

    @Test
    void headerConditionsAndMethodsNarrowTheMatch() {
        start(Policy.builder("gold").match(new Match(List.of("/**"), Set.of("POST"),
                List.of(new HeaderCondition("X-Tier", "gold")))).rate(new Rate(1, MINUTE)).build());
        for (int i = 0; i < 3; i++) {
            assertThat(now(TestRequest.get("/x").method("POST").header("X-Tier", "silver")).admitted()).isTrue();
            assertThat(now(TestRequest.get("/x").header("X-Tier", "gold")).admitted()).isTrue();
        }
        assertThat(now(TestRequest.get("/x").method("POST").header("X-Tier", "gold")).admitted()).isTrue();
        assertThat(now(TestRequest.get("/x").method("POST").header("X-Tier", "gold")).admitted()).isFalse();
    }

    @Test
    void costComesFromAHeaderClampedToItsMaximum() {
        start(Policy.builder("cost").rate(new Rate(10, MINUTE))
                .cost(new dev.sluice.core.config.Cost(1, "X-Cost", 5)).build());
        assertThat(now(TestRequest.get("/x").header("X-Cost", "1000")).remaining()).isEqualTo(5);
        assertThat(now(TestRequest.get("/x").header("X-Cost", "nonsense")).remaining()).isEqualTo(4);
        assertThat(now(TestRequest.get("/x").header("X-Cost", "3")).remaining()).isEqualTo(1);
        assertThat(now(TestRequest.get("/x").header("X-Cost", "0")).remaining()).isEqualTo(0);
    }

    @Test
    void liveChangesApplyWithoutLosingState() {
        Policy before = Policy.builder("live").rate(new Rate(3, MINUTE)).build();
        start(before);
        now(TestRequest.get("/x"));
        VersionedPolicy current = sluice.policyStore().get("live").orElseThrow();
        sluice.policyStore().put(before.toBuilder().rate(new Rate(10, MINUTE)).build(), current.version());
        assertThat(sluice.policies().get(0).version()).isGreaterThan(current.version());
        assertThat(now(TestRequest.get("/x")).remaining()).as("2 tokens kept, as is").isEqualTo(1);

        sluice.policyStore().delete("live", null);
        assertThat(sluice.policies()).isEmpty();
        assertThat(now(TestRequest.get("/x")).headers()).isEmpty();
    }

    @Test
    void deletingAPolicyAdmitsItsWaiters() {
        start(Policy.builder("c").concurrency(new Concurrency(1)).queue(new QueueLimit(10, MINUTE)).build());
        Admission held = now(TestRequest.get("/x"));
        CompletableFuture<Admission> waiting = sluice.admit(TestRequest.get("/x"));
        sluice.policyStore().delete("c", null);
        assertThat(waiting).isDone();
        assertThat(waiting.join().admitted()).isTrue();
        waiting.join().release();
        held.release();
    }

    @Test
    void programmaticCallersAcquireByNameAndKey() {
        start(Policy.builder("jobs").rate(new Rate(2, Duration.ofSeconds(1), 2))
                .queue(new QueueLimit(5, Duration.ofSeconds(5))).build());
        assertThat(sluice.tryAcquire("jobs", "worker-1", 2).join().admitted()).isTrue();
        Admission refused = sluice.tryAcquire("jobs", "worker-1", 1).join();
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(Duration.ofMillis(500).toNanos());
        CompletableFuture<Admission> waited = sluice.acquire("jobs", "worker-1", 1);
        assertThat(waited).isNotDone();
        time.advance(Duration.ofMillis(500));
        assertThat(waited.join().admitted()).isTrue();
        assertThatThrownBy(() -> sluice.tryAcquire("nope", "k", 1)).hasMessageContaining("no policy named 'nope'");
        assertThatThrownBy(() -> sluice.tryAcquire("jobs", "k", 3)).hasMessageContaining("cost must be from 1 to 2");
    }

    @Test
    void aRequestCanBeDecidedUnderOneNamedPolicyOnly() {
        start(Policy.builder("route-a").rate(new Rate(1, MINUTE)).build(),
                Policy.builder("route-b").rate(new Rate(1, MINUTE)).build());
        assertThat(sluice.admit(TestRequest.get("/x"), "route-a").join().admitted()).isTrue();
        assertThat(sluice.admit(TestRequest.get("/x"), "route-a").join().admitted()).isFalse();
        assertThat(sluice.admit(TestRequest.get("/x"), "route-b").join().admitted()).as("own bucket").isTrue();
        assertThat(sluice.hasPolicy("route-a")).isTrue();
        assertThatThrownBy(() -> sluice.admit(TestRequest.get("/x"), "nope"))
                .hasMessageContaining("no policy named 'nope'");
    }

    @Test
    void aPolicyThatIsNotLiveIsAnsweredWithAnAbsenceWhenTheCallerAsksIfLive() {
        start(Policy.builder("route-a").rate(new Rate(1, MINUTE)).build());
        assertThat(sluice.admitIfLive(TestRequest.get("/x"), "route-a").orElseThrow().join().admitted()).isTrue();
        assertThat(sluice.admitIfLive(TestRequest.get("/x"), "nope")).isEmpty();
        assertThat(sluice.acquireIfLive("route-a", "k", 1).orElseThrow().join().admitted()).isTrue();
        assertThat(sluice.acquireIfLive("nope", "k", 1)).isEmpty();
    }

    @Test
    void aRequestCanBeDecidedUnderTheSelectedPoliciesOnly() {
        start(Policy.builder("global").rate(new Rate(2, MINUTE)).build(),
                Policy.builder("route-a").rate(new Rate(1, MINUTE)).build());
        Set<String> bound = Set.of("route-a");
        Admission first = sluice.admit(TestRequest.get("/x"), name -> !bound.contains(name)).join();
        Admission second = sluice.admit(TestRequest.get("/x"), name -> !bound.contains(name)).join();
        assertThat(first.admitted()).isTrue();
        assertThat(second.admitted()).as("route-a was not applied, so global's burst of 2 decides").isTrue();
        Admission third = sluice.admit(TestRequest.get("/x"), name -> !bound.contains(name)).join();
        assertThat(third.admitted()).isFalse();
        assertThat(third.policy()).isEqualTo("global");
        assertThat(sluice.admit(TestRequest.get("/x"), "route-a").join().admitted()).as("its bucket is untouched")
                .isTrue();
        assertThat(sluice.admit(TestRequest.get("/x"), name -> false).join().admitted()).isTrue();
    }

    @Test
    void clusterScopeWithoutAClusterIsRefusedAtStart() {
        assertThatThrownBy(() -> start(Policy.builder("c").scope(Scope.CLUSTER).rate(new Rate(1, MINUTE)).build()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("scope is cluster");
    }
}
