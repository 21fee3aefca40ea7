package dev.sluice.hazelcast;

import com.hazelcast.nio.serialization.Serializer;
import com.hazelcast.nio.serialization.SerializerHook;
import io.github.bucket4j.grid.hazelcast.HazelcastEntryProcessor;
import io.github.bucket4j.grid.hazelcast.HazelcastOffloadableEntryProcessor;
import io.github.bucket4j.grid.hazelcast.SimpleBackupProcessor;
import io.github.bucket4j.grid.hazelcast.VersionedBackupProcessor;

/**
 * Hazelcast's class-path hooks for every type Sluice sends through a cluster, listed in this jar's
 * {@code META-INF/services/com.hazelcast.SerializerHook}: Hazelcast instantiates each listed hook when it builds the
 * serialization of a member or a client, so that a member given nothing but this jar (and Bucket4j) on its class path
 * runs Sluice's entry processors. Each hook gives the serializer {@link SluiceSerialization#register} configures for
 * its type, and gives way to a configured one (it is overwritable), so registering explicitly as well is harmless.
 *
 * <p>A hook is a public class with a public no-argument constructor, one per type, because Hazelcast asks each hook
 * for a single type.
 */
public final class SerializerHooks {
    private SerializerHooks() {}

    abstract static class Hook implements SerializerHook<Object> {
        private final Class<?> type;

        Hook(Class<?> type) {
            this.type = type;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Class<Object> getSerializationType() {
            return (Class<Object>) type;
        }

        @Override
        public Serializer createSerializer() {
            return SluiceSerialization.serializerFor(type);
        }

        @Override
        public boolean isOverwritable() {
            return true;
        }
    }

    public static final class SemaphoreStateHook extends Hook {
        public SemaphoreStateHook() {
            super(SemaphoreState.class);
        }
    }

    public static final class NoticesHook extends Hook {
        public NoticesHook() {
            super(Notice.Batch.class);
        }
    }

    public static final class SemaphoreOutcomeHook extends Hook {
        public SemaphoreOutcomeHook() {
            super(SemaphoreOps.Outcome.class);
        }
    }

    public static final class AcquireHook extends Hook {
        public AcquireHook() {
            super(SemaphoreOps.Acquire.class);
        }
    }

    public static final class ReleaseHook extends Hook {
        public ReleaseHook() {
            super(SemaphoreOps.Release.class);
        }
    }

    public static final class LeaveHook extends Hook {
        public LeaveHook() {
            super(SemaphoreOps.Leave.class);
        }
    }

    public static final class RenewHook extends Hook {
        public RenewHook() {
            super(SemaphoreOps.Renew.class);
        }
    }

    public static final class SweepHook extends Hook {
        public SweepHook() {
            super(SemaphoreOps.Sweep.class);
        }
    }

    public static final class ReconfigureHook extends Hook {
        public ReconfigureHook() {
            super(SemaphoreOps.Reconfigure.class);
        }
    }

    public static final class PollHook extends Hook {
        public PollHook() {
            super(SemaphoreOps.Poll.class);
        }
    }

    public static final class RefuseWaitersHook extends Hook {
        public RefuseWaitersHook() {
            super(SemaphoreOps.RefuseWaiters.class);
        }
    }

    public static final class ReadHook extends Hook {
        public ReadHook() {
            super(SemaphoreOps.Read.class);
        }
    }

    public static final class OnLocalEntriesHook extends Hook {
        public OnLocalEntriesHook() {
            super(SemaphoreOps.OnLocalEntries.class);
        }
    }

    public static final class PolicySetHook extends Hook {
        public PolicySetHook() {
            super(StoredPolicies.class);
        }
    }

    public static final class PolicyOutcomeHook extends Hook {
        public PolicyOutcomeHook() {
            super(StoredPolicies.Outcome.class);
        }
    }

    public static final class PolicyInitializeHook extends Hook {
        public PolicyInitializeHook() {
            super(StoredPolicies.Initialize.class);
        }
    }

    public static final class PolicyWriteHook extends Hook {
        public PolicyWriteHook() {
            super(StoredPolicies.Write.class);
        }
    }

    public static final class RateLineHook extends Hook {
        public RateLineHook() {
            super(RateLine.class);
        }
    }

    public static final class RateLineOutcomeHook extends Hook {
        public RateLineOutcomeHook() {
            super(RateLineOps.Outcome.class);
        }
    }

    public static final class RateLineJoinHook extends Hook {
        public RateLineJoinHook() {
            super(RateLineOps.Join.class);
        }
    }

    public static final class RateLineClaimHook extends Hook {
        public RateLineClaimHook() {
            super(RateLineOps.Claim.class);
        }
    }

    public static final class RateLineLeaveHook extends Hook {
        public RateLineLeaveHook() {
            super(RateLineOps.Leave.class);
        }
    }

    public static final class RateLineReslotHook extends Hook {
        public RateLineReslotHook() {
            super(RateLineOps.Reslot.class);
        }
    }

    public static final class Bucket4jProcessorHook extends Hook {
        public Bucket4jProcessorHook() {
            super(HazelcastEntryProcessor.class);
        }
    }

    public static final class Bucket4jOffloadableProcessorHook extends Hook {
        public Bucket4jOffloadableProcessorHook() {
            super(HazelcastOffloadableEntryProcessor.class);
        }
    }

    public static final class Bucket4jBackupHook extends Hook {
        public Bucket4jBackupHook() {
            super(SimpleBackupProcessor.class);
        }
    }

    public static final class Bucket4jVersionedBackupHook extends Hook {
        public Bucket4jVersionedBackupHook() {
            super(VersionedBackupProcessor.class);
        }
    }
}
