package dev.sluice.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionFunction;
import java.util.Collection;

/**
 * Split-brain protection by a majority of the members last seen together: a member's view of the cluster has the
 * protection while it holds more than half of the largest view that last had it, and each view that has it becomes
 * the new reference (a dynamic majority). So of two sides of a split at most one keeps the protection, and a cluster
 * that lost a member for good (a crash) carries on as the smaller cluster without needing to be told; a cluster of
 * two that loses one, or one that loses half its members at once, has no side left with a majority and every member
 * follows its policies' {@code on-backend-failure} rule until members join again.
 *
 * <p>Hazelcast calls {@link #apply} on one thread per member, on every membership change, so the state needs no
 * lock; {@link #reference()} may be read from any thread. One instance per member: {@link SplitBrain} creates one per
 * configuration, and a YAML {@code function-class-name} makes Hazelcast create one per member.
 */
public final class LastSeenMajority implements SplitBrainProtectionFunction {
    private volatile int reference;

    @Override
    public boolean apply(Collection<Member> members) {
        int size = members.size();
        if (size * 2 > reference) {
            reference = size;
            return true;
        }
        return false;
    }

    /** The size of the last view that had the protection (0 before the first). */
    public int reference() {
        return reference;
    }

    @Override
    public String toString() {
        return "LastSeenMajority{reference=" + reference + "}";
    }
}
