package dev.sluice.core.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SystemSchedulerTest {
    private final SystemScheduler scheduler = new SystemScheduler();

    @AfterEach
    void close() {
        scheduler.close();
    }

    @Test
    void runsTasksOnceTheirDelayHasPassedInDeadlineOrder() throws Exception {
        List<Integer> order = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(3);
        scheduler.schedule(() -> { order.add(3); done.countDown(); }, TimeUnit.MILLISECONDS.toNanos(150));
        scheduler.schedule(() -> { order.add(1); done.countDown(); }, 0);
        scheduler.schedule(() -> { order.add(2); done.countDown(); }, TimeUnit.MILLISECONDS.toNanos(50));
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(order).containsExactly(1, 2, 3);
    }

    @Test
    void aTaskDueBeforeTheTimersWakeUpIsNotDelayedByIt() throws Exception {
        scheduler.schedule(() -> { }, TimeUnit.SECONDS.toNanos(30));
        Thread.sleep(50);
        CountDownLatch ran = new CountDownLatch(1);
        scheduler.schedule(ran::countDown, TimeUnit.MILLISECONDS.toNanos(10));
        assertThat(ran.await(10, TimeUnit.SECONDS)).as("woken for the earlier deadline").isTrue();
    }

    @Test
    void cancelledTasksNeverRunAndManyFromManyThreadsAreHandled() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch kept = new CountDownLatch(400);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 200; i++) {
                    Scheduler.Cancellable handle = scheduler.schedule(ran::incrementAndGet,
                            TimeUnit.MILLISECONDS.toNanos(100));
                    handle.cancel();
                    handle.cancel();
                    scheduler.schedule(kept::countDown, TimeUnit.MILLISECONDS.toNanos(i % 20));
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        assertThat(kept.await(10, TimeUnit.SECONDS)).isTrue();
        CountDownLatch after = new CountDownLatch(1);
        scheduler.schedule(after::countDown, TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(after.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).as("no cancelled task ran").hasValue(0);
    }
}
