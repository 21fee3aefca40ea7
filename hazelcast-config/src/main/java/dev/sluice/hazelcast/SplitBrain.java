package dev.sluice.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.merge.PutIfAbsentMergePolicy;
import com.hazelcast.splitbrainprotection.SplitBrainProtection;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;
import java.util.List;
import java.util.Locale;

/**
 * What a member of a Sluice cluster does when the network splits it: split-brain protection on Sluice's maps, so that
 * a member in a minority refuses their operations (its nodes then follow each policy's {@code on-backend-failure}
 * rule instead of acting as the whole cluster, and management writes there are refused), and merge policies that keep
 * spent tokens spent, the newer policy set and every lease ({@link MergePolicies}).
 *
 * <p>Modes ({@code split-brain-protection} option): {@code majority} (default, {@link LastSeenMajority}: more than
 * half of the members last seen together), a whole number N (at least N members, Hazelcast's own member count
 * rule), or {@code off} (no protection: each side of a split acts as the whole cluster). The merge policies apply in
 * every mode.
 */
public final class SplitBrain {
    /** The name of the split-brain protection Sluice's maps use. */
    public static final String PROTECTION = "sluice-split-brain-protection";
    /** The option choosing the protection. */
    public static final String OPTION = "split-brain-protection";
    static final String DEFAULT_MODE = "majority";
    private static final List<String> MAPS = List.of(MapNames.BUCKETS, MapNames.SEMAPHORES,
            MapNames.RATE_LINES, MapNames.POLICIES);

    private SplitBrain() {}

    /**
     * Adds the default protection ({@code majority}) and the merge policies to a member configuration an application
     * starts itself; call it beside {@link SluiceSerialization#register}, before the member starts.
     */
    public static void configure(Config config) {
        configure(config, DEFAULT_MODE);
    }

    /**
     * @param mode {@code majority}, {@code off} or a whole number of members from 1
     * @throws IllegalArgumentException naming the option, the bad value and what is allowed
     */
    static void configure(Config config, String mode) {
        String chosen = mode == null ? DEFAULT_MODE : mode.trim().toLowerCase(Locale.ROOT);
        SplitBrainProtectionConfig protection = switch (chosen) {
            case "off" -> null;
            case "majority" -> new SplitBrainProtectionConfig(PROTECTION, true, 2)
                    .setFunctionImplementation(new LastSeenMajority());
            default -> new SplitBrainProtectionConfig(PROTECTION, true, minimum(chosen));
        };
        if (protection != null) {
            config.addSplitBrainProtectionConfig(protection.setProtectOn(SplitBrainProtectionOn.READ_WRITE));
        }
        for (String map : MAPS) {
            MapConfig mapConfig = config.getMapConfig(map);
            if (protection != null) {
                mapConfig.setSplitBrainProtectionName(PROTECTION);
            }
            mapConfig.getMergePolicyConfig().setPolicy(mergePolicy(map));
        }
    }

    private static String mergePolicy(String map) {
        return switch (map) {
            case MapNames.BUCKETS -> MergePolicies.FewerTokens.class.getName();
            case MapNames.SEMAPHORES -> MergePolicies.LeaseUnion.class.getName();
            // a side's line is kept whole or not at all; a waiter its line lost leaves at its own reservation's time
            case MapNames.RATE_LINES -> PutIfAbsentMergePolicy.class.getName();
            default -> MergePolicies.HigherRevision.class.getName();
        };
    }

    private static int minimum(String mode) {
        try {
            int members = Integer.parseInt(mode);
            if (members >= 1) {
                return members;
            }
        } catch (NumberFormatException notNumber) {
            // falls through to the message
        }
        throw new IllegalArgumentException("hazelcast option " + OPTION + " must be majority, off or a whole number "
                + "of members from 1, got '" + mode + "'");
    }

    /**
     * Whether a view of {@code members} members, seen after {@code lastSeen}, is one this member may act on as the
     * cluster: by the protection configured on {@code hazelcast} (decided here, not read from Hazelcast's own state,
     * which a membership listener may see before Hazelcast has updated it). Clients and unprotected members: always.
     */
    static boolean acceptsView(HazelcastInstance hazelcast, int members, int lastSeen) {
        SplitBrainProtectionConfig protection;
        try {
            protection = hazelcast.getConfig().getSplitBrainProtectionConfigs().get(PROTECTION);
        } catch (RuntimeException client) {
            return true;
        }
        if (protection == null || !protection.isEnabled()) {
            return true;
        }
        if (protection.getFunctionImplementation() instanceof LastSeenMajority
                || LastSeenMajority.class.getName().equals(protection.getFunctionClassName())) {
            return members * 2 > lastSeen;
        }
        return members >= protection.getMinimumClusterSize();
    }

    /**
     * Waits (start-up only) until Hazelcast has decided this member's split-brain protection: it counts the members
     * on the first heartbeat after start-up (within a second with Sluice's default configuration, five with
     * Hazelcast's), and refuses every protected call until then.
     *
     * @throws IllegalStateException when the member is in a minority for all of {@code within}
     */
    static void awaitMajority(HazelcastInstance hazelcast, java.time.Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!hasMajority(hazelcast)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Hazelcast member " + hazelcast.getName() + " sees "
                        + hazelcast.getCluster().getMembers().size() + " member(s), a minority of the cluster its "
                        + "split-brain protection (" + PROTECTION + ") expects; Sluice cannot start on it. Check the "
                        + "network to the other members, or the hazelcast option " + OPTION);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the split-brain protection");
            }
        }
    }

    /**
     * Whether this instance may act for the cluster: false only on a member whose Sluice maps are protected and that
     * is in a minority now. Clients, and members without protection, answer true (a client learns of a minority
     * from the errors of its calls).
     */
    static boolean hasMajority(HazelcastInstance hazelcast) {
        try {
            SplitBrainProtection protection = hazelcast.getSplitBrainProtectionService()
                    .getSplitBrainProtection(PROTECTION);
            return protection.hasMinimumSize();
        } catch (RuntimeException noneOrClient) {
            return true;
        }
    }
}
