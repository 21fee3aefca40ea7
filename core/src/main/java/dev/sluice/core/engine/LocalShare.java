package dev.sluice.core.engine;

import dev.sluice.core.config.Concurrency;
import dev.sluice.core.config.Cost;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.Quota;
import dev.sluice.core.config.Rate;
import dev.sluice.core.config.Scope;

/** A node's share of a cluster policy, enforced locally under {@code on-backend-failure: local}. */
final class LocalShare {
    private LocalShare() {
    }

    /**
     * Each limit of {@code policy} divided by {@code members} (at least 1), never below what one request may cost,
     * as a node-scope policy.
     */
    static Policy of(Policy policy, int members) {
        long floor = policy.cost().ceiling();
        Policy.Builder share = policy.toBuilder().scope(Scope.NODE);
        if (policy.rate() != null) {
            Rate rate = policy.rate();
            share.rate(new Rate(Math.max(1, rate.limit() / members), rate.period(),
                    Math.max(floor, rate.burst() / members)));
        }
        if (policy.quota() != null) {
            share.quota(new Quota(Math.max(floor, policy.quota().limit() / members), policy.quota().period()));
        }
        if (policy.concurrency() != null) {
            Concurrency concurrency = policy.concurrency();
            share.concurrency(new Concurrency((int) Math.max(floor, concurrency.permits() / members),
                    concurrency.lease()));
        }
        return share.cost(policy.cost() == null ? Cost.ONE : policy.cost()).build();
    }
}
