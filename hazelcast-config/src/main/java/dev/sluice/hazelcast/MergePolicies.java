package dev.sluice.hazelcast;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.github.bucket4j.distributed.serialization.InternalSerializationHelper;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How Sluice's maps merge when a split cluster heals: the entry of the side that had spent more, or written later,
 * wins, so a merge never hands tokens back, never loses a management write and never forgets a lease. Hazelcast
 * creates these by class name on the member that merges ({@link SplitBrain} names them in the maps' configuration),
 * so they are public and carry no state. A value that cannot be read keeps the entry already there, and says so.
 */
public final class MergePolicies {
    private static final Logger LOG = LoggerFactory.getLogger(MergePolicies.class);

    private MergePolicies() {}

    /** Common plumbing: stateless, serialised as nothing; an absent side lets the other win. */
    abstract static class Stateless implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {
        @Override
        public final Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
            if (existing == null || existing.getRawValue() == null) {
                return merging.getRawValue();
            }
            if (merging == null || merging.getRawValue() == null) {
                return existing.getRawValue();
            }
            try {
                return merged(merging, existing);
            } catch (RuntimeException unreadable) {
                LOG.warn("Sluice could not compare two copies of an entry while merging a split cluster ({}); it "
                        + "keeps the copy of the cluster merged into", unreadable.toString());
                return existing.getRawValue();
            }
        }

        /** The value to keep, both sides present: by default the one {@link #pickMerging} chooses. */
        Object merged(MergingValue<Object> merging, MergingValue<Object> existing) {
            return pickMerging(merging.getDeserializedValue(), existing.getDeserializedValue())
                    ? merging.getRawValue() : existing.getRawValue();
        }

        /** Whether the merging side's value wins over the existing one. */
        boolean pickMerging(Object merging, Object existing) {
            return false;
        }

        @Override
        public final void writeData(ObjectDataOutput out) {
            // no state
        }

        @Override
        public final void readData(ObjectDataInput in) {
            // no state
        }
    }

    /** The policy set: the higher store revision wins; on a tie, the copy already there. */
    public static final class HigherRevision extends Stateless {
        @Override
        boolean pickMerging(Object merging, Object existing) {
            return ((StoredPolicies) merging).revision > ((StoredPolicies) existing).revision;
        }
    }

    /**
     * Bucket4j buckets: the copy with fewer tokens available now wins (both refilled to this member's clock first),
     * so tokens spent on either side stay spent.
     */
    public static final class FewerTokens extends Stateless {
        @Override
        boolean pickMerging(Object merging, Object existing) {
            long now = nowNanos();
            return available((byte[]) merging, now) < available((byte[]) existing, now);
        }

        private static long available(byte[] state, long now) {
            RemoteBucketState bucket = InternalSerializationHelper.deserializeState(state);
            bucket.refillAllBandwidth(now);
            return bucket.getAvailableTokens();
        }
    }

    /**
     * Lease semaphores: the copy already there, plus every lease of the merging copy that it lacks and that has not
     * expired, so that no permit held on either side is counted twice or forgotten (a lease released on the side
     * that could not reach the data lapses within its lease time); the waiters are those of the copy already there.
     */
    public static final class LeaseUnion extends Stateless {
        @Override
        Object merged(MergingValue<Object> merging, MergingValue<Object> existing) {
            if (existing.getDeserializedValue() instanceof SemaphoreState kept
                    && merging.getDeserializedValue() instanceof SemaphoreState other
                    && kept.withLeasesOf(other, nowNanos())) {
                return kept;
            }
            return existing.getRawValue();
        }
    }

    /** The wall clock in nanoseconds, the scale of {@link ClusterClock}. */
    static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
