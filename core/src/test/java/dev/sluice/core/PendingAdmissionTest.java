package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.spi.Lease;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PendingAdmissionTest {
    @Test
    void releasesAnAdmissionOnceHoweverOftenItIsAskedTo() {
        Counted admitted = new Counted(true);
        PendingAdmission pending = PendingAdmission.decided(admitted);

        pending.release();
        pending.release();

        assertThat(pending.admitted()).isTrue();
        assertThat(admitted.releases.get()).isEqualTo(1);
        assertThat(pending.abandon()).as("a decided admission is not waiting").isFalse();
    }

    @Test
    void tellsTheAdapterOfAnAdmissionThatArrivesWhileTheRequestWaits() {
        CompletableFuture<Admission> decision = new CompletableFuture<>();
        PendingAdmission pending = PendingAdmission.awaiting(decision);
        Recorder outcome = new Recorder();
        pending.whenDecided(outcome);
        Counted admitted = new Counted(true);

        assertThat(pending.admitted()).isFalse();
        decision.complete(admitted);

        assertThat(outcome.events).containsExactly("admitted");
        assertThat(pending.admitted()).isTrue();
        assertThat(admitted.releases.get()).as("held until the response completes").isZero();
        pending.release();
        assertThat(admitted.releases.get()).isEqualTo(1);
    }

    @Test
    void releasesARefusalBeforeTellingTheAdapter() {
        CompletableFuture<Admission> decision = new CompletableFuture<>();
        PendingAdmission pending = PendingAdmission.awaiting(decision);
        Counted refused = new Counted(false);
        List<Integer> releasesSeen = new ArrayList<>();
        pending.whenDecided(new Recorder() {
            @Override
            public void refused(Admission refusal) {
                releasesSeen.add(refused.releases.get());
            }
        });

        decision.complete(refused);

        assertThat(releasesSeen).containsExactly(1);
        assertThat(pending.admitted()).isFalse();
    }

    @Test
    void leavesTheQueueWhenAbandoned() {
        CompletableFuture<Admission> decision = new CompletableFuture<>();
        PendingAdmission pending = PendingAdmission.awaiting(decision);
        Recorder outcome = new Recorder();
        pending.whenDecided(outcome);

        assertThat(pending.abandon()).isTrue();
        assertThat(pending.abandon()).isFalse();

        assertThat(decision).isCancelled();
        assertThat(outcome.events).as("a cancelled wait is not a failure").isEmpty();
    }

    @Test
    void releasesAGrantThatRacedWithTheAbandonment() {
        // The engine was already completing the decision when the client left: the cancellation came too late.
        CompletableFuture<Admission> decision = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                return false;
            }
        };
        PendingAdmission pending = PendingAdmission.awaiting(decision);
        Recorder outcome = new Recorder();
        pending.whenDecided(outcome);
        Counted granted = new Counted(true);

        assertThat(pending.abandon()).isTrue();
        decision.complete(granted);

        assertThat(outcome.events).isEmpty();
        assertThat(granted.releases.get()).isEqualTo(1);
        assertThat(pending.admitted()).isFalse();
    }

    @Test
    void reportsAFailureOfTheEngine() {
        CompletableFuture<Admission> decision = new CompletableFuture<>();
        PendingAdmission pending = PendingAdmission.awaiting(decision);
        Recorder outcome = new Recorder();
        pending.whenDecided(outcome);

        decision.completeExceptionally(new IllegalStateException("backend"));

        assertThat(outcome.events).containsExactly("failed: backend");
        assertThat(pending.abandon()).isFalse();
    }

    @Test
    void settlesADecisionByLeavingTheQueueOrReleasingWhatItGranted() {
        CompletableFuture<Admission> waiting = new CompletableFuture<>();
        PendingAdmission.settle(waiting);
        assertThat(waiting).isCancelled();

        Counted granted = new Counted(true);
        PendingAdmission.settle(CompletableFuture.completedFuture(granted));
        assertThat(granted.releases.get()).isEqualTo(1);
    }

    private static class Recorder implements PendingAdmission.Outcome {
        final List<String> events = new ArrayList<>();

        @Override
        public void admitted(Admission admission) {
            events.add("admitted");
        }

        @Override
        public void refused(Admission refusal) {
            events.add("refused");
        }

        @Override
        public void failed(Throwable failure) {
            events.add("failed: " + failure.getMessage());
        }
    }

    /** An admission that counts its releases (a real one releases its lease once; this one counts every call). */
    private static final class Counted implements Admission {
        final AtomicInteger releases = new AtomicInteger();
        private final boolean admitted;

        Counted(boolean admitted) {
            this.admitted = admitted;
        }

        @Override public boolean admitted() { return admitted; }
        @Override public boolean wouldRefuse() { return false; }
        @Override public Reason reason() { return admitted ? null : Reason.RATE; }
        @Override public String policy() { return admitted ? null : "p"; }
        @Override public int status() { return admitted ? 200 : 429; }
        @Override public long retryAfterSeconds() { return admitted ? 0 : 1; }
        @Override public long retryAfterNanos() { return 0; }
        @Override public long remaining() { return -1; }
        @Override public boolean degraded() { return false; }
        @Override public List<Header> headers() { return List.of(); }
        @Override public String problemJson() { return null; }
        @Override public void release() { releases.incrementAndGet(); }
        @Override public Lease lease() { return this::release; }
    }
}
