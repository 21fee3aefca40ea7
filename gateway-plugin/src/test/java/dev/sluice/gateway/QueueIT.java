package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.PolicyFigures;
import dev.sluice.gateway.RunningGateway.Answer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.blockhound.BlockingOperationError;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Queued requests through a real gateway, with BlockHound installed in this JVM (blockhound-junit-platform): a
 * blocking call on an event-loop or parallel thread throws there, and the request it serves fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueueIT {
    private RunningGateway gateway;

    @BeforeAll
    void start() {
        gateway = RunningGateway.start("queues");
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    @Test
    void blockHoundIsWatchingNonBlockingThreads() {
        assertThatThrownBy(() -> Mono.fromCallable(() -> {
            Thread.sleep(1);
            return 1;
        }).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(10)))
                .hasCauseInstanceOf(BlockingOperationError.class);
    }

    @Test
    void fiveHundredQueuedRequestsAreAllServedTenAtATimeWithoutBlockingAnEventLoop() {
        gateway.backend.maxInFlight.set(0);
        List<Answer> answers = Flux.range(0, 500)
                .flatMap(i -> gateway.client.get().uri("/echo/crowd/" + i + "?ms=20")
                        .responseSingle((response, body) -> body.asString().defaultIfEmpty("")
                                .map(text -> new Answer(response.status().code(), response.responseHeaders(), text))),
                        500)
                .collectList()
                .block(Duration.ofSeconds(120));

        assertThat(answers).hasSize(500).allSatisfy(answer -> assertThat(answer.status()).isEqualTo(200));
        assertThat(answers).extracting(Answer::body).doesNotHaveDuplicates();
        assertThat(gateway.backend.maxInFlight.get()).as("permits held at once").isBetween(2, 10);
        assertThat(figures("route-crowd").refused()).isZero();
        PolicyFigures figures = gateway.sluice().figures("route-crowd").orElseThrow();
        assertThat(figures.permitsInUse()).as("every permit released").isZero();
        assertThat(figures.queued()).isZero();
        assertThat(figures.admitted()).isGreaterThanOrEqualTo(500);
    }

    @Test
    void aClientThatLeavesWhileQueuedFreesItsPlace() throws Exception {
        Disposable holder = gateway.client.get().uri("/hold/single/holder").response().subscribe();
        await(() -> inUse("route-single") == 1);
        Disposable waiter = gateway.client.get().uri("/hold/single/waiter").response().subscribe();
        await(() -> queued("route-single") == 1);
        assertThat(gateway.get("/hold/single/full").status()).as("the queue of one is full").isEqualTo(503);

        waiter.dispose();
        await(() -> queued("route-single") == 0);

        Mono<Answer> next = gateway.client.get().uri("/hold/single/next")
                .responseSingle((response, body) -> body.asString().defaultIfEmpty("")
                        .map(text -> new Answer(response.status().code(), response.responseHeaders(), text)));
        var pending = next.toFuture();
        await(() -> queued("route-single") == 1);
        gateway.backend.releaseHeld();
        Answer answer = pending.get(30, TimeUnit.SECONDS);
        assertThat(answer.status()).as("the freed place was taken by the next client").isEqualTo(200);
        assertThat(answer.body()).isEqualTo("/hold/single/next");
        holder.dispose();
        await(() -> inUse("route-single") == 0);
    }

    private PolicyFigures figures(String policy) {
        return gateway.sluice().figures(policy).orElseThrow();
    }

    private long inUse(String policy) {
        return gateway.sluice().figures(policy).orElseThrow().permitsInUse();
    }

    private long queued(String policy) {
        return gateway.sluice().figures(policy).orElseThrow().queued();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition met within 20 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
