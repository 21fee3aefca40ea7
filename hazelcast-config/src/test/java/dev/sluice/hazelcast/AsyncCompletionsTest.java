package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.map.IMap;
import dev.sluice.core.testkit.ManualScheduler;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Continuations of Hazelcast's futures run on reused threads once a Sluice backend exists; a Hazelcast without the
 * internal accessors this relies on is left as it is, and still answers.
 */
class AsyncCompletionsTest {
    @Test
    void continuationsOfClusterCallsRunOnReusedThreads() throws Exception {
        try (TestCluster cluster = TestCluster.of(1)) {
            HazelcastBackend backend = new HazelcastBackend(cluster.members.get(0), new ManualScheduler());
            IMap<String, String> map = cluster.members.get(0).getMap("async-completions");
            String first = map.getAsync("absent").thenApply(value -> Thread.currentThread().getName())
                    .toCompletableFuture().get(20, TimeUnit.SECONDS);
            if (ForkJoinPool.getCommonPoolParallelism() > 1) {
                assertThat(first).as("the common pool is used as it is").contains("ForkJoinPool");
            } else {
                // Hazelcast's own fallback starts a new thread, Thread-N, for every continuation
                assertThat(first).startsWith("sluice-hz-async-");
            }
            backend.close();
        }
    }

    @Test
    void hazelcastsExecutorIsReachedThroughItsHolder() {
        AsyncCompletions.HazelcastExecutor executor = AsyncCompletions.HazelcastExecutor.find(AsyncCompletions.HOLDER);
        assertThat(executor).as("Hazelcast %s still has %s's accessors", com.hazelcast.instance.BuildInfoProvider
                .getBuildInfo().getVersion(), AsyncCompletions.HOLDER).isNotNull();
        assertThat(executor.get()).isNotNull();
    }

    @Test
    void aHazelcastWithoutTheAccessorsIsLeftAsItIsAndStillAnswers() throws Exception {
        assertThat(AsyncCompletions.HazelcastExecutor.find("com.hazelcast.internal.util.NoSuchHolder")).isNull();
        assertThat(AsyncCompletions.HazelcastExecutor.find(Object.class.getName()))
                .as("a holder without the methods").isNull();
        assertThat(AsyncCompletions.installInto(null)).as("nothing installed").isNull();
        try (TestCluster cluster = TestCluster.of(1)) {
            IMap<String, String> map = cluster.members.get(0).getMap("async-fallback");
            assertThat(map.getAsync("absent").thenApply(value -> "answered").toCompletableFuture()
                    .get(20, TimeUnit.SECONDS)).isEqualTo("answered");
        }
    }
}
