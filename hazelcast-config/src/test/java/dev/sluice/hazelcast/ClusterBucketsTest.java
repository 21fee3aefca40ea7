package dev.sluice.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.EntryView;
import com.hazelcast.map.IMap;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.Rate;
import dev.sluice.core.spi.PolicyLimiter;
import dev.sluice.core.testkit.ManualScheduler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cluster buckets: live changes by version across nodes, and expiry of idle buckets. */
class ClusterBucketsTest {
    private TestCluster cluster;
    private ManualScheduler time;
    private HazelcastBackend first;
    private HazelcastBackend second;

    @BeforeEach
    void start() {
        cluster = TestCluster.of(2);
        time = new ManualScheduler();
        first = new HazelcastBackend(cluster.members.get(0), time, TestCluster.PATIENT);
        second = new HazelcastBackend(cluster.members.get(1), time, TestCluster.PATIENT);
    }

    @AfterEach
    void stop() {
        first.close();
        second.close();
        cluster.close();
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(20, TimeUnit.SECONDS);
    }

    @Test
    void aNodeThatHasNotHeardOfAChangeCannotUndoIt() throws Exception {
        Policy before = Policy.builder("versions").rate(new Rate(10, Duration.ofSeconds(1), 10)).build();
        PolicyLimiter changed = first.bind(before);
        PolicyLimiter lagging = second.bind(before);
        assertThat(await(changed.consume("k", 1, 0)).remaining()).isEqualTo(9);

        changed.reconfigure(before.toBuilder().rate(new Rate(20, Duration.ofSeconds(1), 20)).build());
        assertThat(await(changed.consume("k", 1, 0)).remaining()).as("tokens kept as they were").isEqualTo(8);
        assertThat(await(lagging.consume("k", 1, 0)).remaining()).isEqualTo(7);

        time.advance(Duration.ofSeconds(2));
        assertThat(await(lagging.consume("k", 1, 0)).remaining())
                .as("the bucket kept the newer configuration: capacity 20, not 10").isEqualTo(19);
    }

    @Test
    void aBucketExpiresAMinuteAfterItWouldBeFullAgain() throws Exception {
        PolicyLimiter limiter = first.bind(Policy.builder("expiring").rate(new Rate(1, Duration.ofSeconds(1), 10))
                .build());
        await(limiter.consume("k", 5, 0));
        IMap<String, byte[]> buckets = cluster.members.get(0).getMap(MapNames.BUCKETS);
        String key = "expiring" + MapNames.SEPARATOR + "k";
        assertThat(buckets.getEntryView(key).getTtl()).as("5 s to refill 5 tokens, then %d s",
                HazelcastBackend.BUCKET_KEEP_SECONDS).isEqualTo(TimeUnit.SECONDS.toMillis(
                        HazelcastBackend.BUCKET_KEEP_SECONDS + 5));
        time.advance(Duration.ofSeconds(3));
        await(limiter.consume("k", 1, 0));
        assertThat(buckets.getEntryView(key).getTtl()).as("every write sets it again: now 3 s to refill")
                .isEqualTo(TimeUnit.SECONDS.toMillis(HazelcastBackend.BUCKET_KEEP_SECONDS + 3));
    }

    @Test
    void aBusyNodeTakesALeadAndGivesItBackWhenIdle() throws Exception {
        // capacity 100,000 refilled at 1,000/s: the lead cap is 0.5 % of (capacity + a second's refill) = 505
        Policy policy = Policy.builder("leads").rate(new Rate(1000, Duration.ofSeconds(1), 100_000)).build();
        PolicyLimiter busy = first.bind(policy);
        PolicyLimiter other = second.bind(policy);
        ClusterBuckets slices = ((HazelcastPolicyLimiter) busy).buckets();
        for (int milli = 0; milli < 4; milli++) {
            for (int i = 0; i < 100; i++) {
                assertThat(await(busy.consume("k", 1, 0)).consumed()).isTrue();
            }
            time.advance(Duration.ofMillis(1));
        }
        long held = slices.heldHere("k");
        assertThat(held).as("a node admitting 100 per ms takes 5 ms of that ahead, capped").isBetween(1L, 505L);
        assertThat(slices.takes()).as("one take per request in the first millisecond, before the node has a rate "
                + "to go by, then the rest of the 400 from leads").isLessThan(110);
        long seen = await(other.state("k")).tokens();
        assertThat(seen).as("the other node sees the lead as consumed").isEqualTo(100_000 - 400 - held + 4);

        time.advance(Duration.ofMillis(TokenSlice.IDLE_MILLIS + 10));
        assertThat(slices.heldHere("k")).isZero();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (await(other.state("k")).tokens() != 100_000 - 400 + 4 + TokenSlice.IDLE_MILLIS + 10
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(await(other.state("k")).tokens()).as("the idle lead went back to the bucket")
                .isEqualTo(100_000 - 400 + 4 + TokenSlice.IDLE_MILLIS + 10);
    }

    /**
     * A change reaches a bucket at its next access, which first refills it at the old rate up to that moment: a busy
     * key changes at once, an idle one as if the change had come with its next request.
     */
    @Test
    void aLiveChangeOfTheRateCountsFromTheBucketsNextAccess() throws Exception {
        Policy before = Policy.builder("changing").rate(new Rate(500, Duration.ofSeconds(1), 5000)).build();
        PolicyLimiter limiter = first.bind(before);
        assertThat(await(limiter.consume("k", 5000, 0)).consumed()).isTrue();
        time.advance(Duration.ofSeconds(1));   // 500 tokens at the old rate

        limiter.reconfigure(before.toBuilder().rate(new Rate(1000, Duration.ofSeconds(1), 5000)).build());
        assertThat(await(limiter.consume("k", 1, 0)).remaining()).as("refilled at the old rate, then moved")
                .isEqualTo(499);
        time.advance(Duration.ofSeconds(1));   // 1,000 more at the new one

        assertThat(await(limiter.consume("k", 1499, 0)).consumed()).as("499 + 1,000 tokens").isTrue();
        assertThat(await(limiter.consume("k", 1, 0)).consumed()).as("and no more").isFalse();
    }
}
