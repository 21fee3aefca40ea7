package dev.sluice.core.engine;

import dev.sluice.core.config.Match;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An immutable snapshot of the live policies, in declaration order, by name and indexed for matching. */
final class PolicyTable {
    final CompiledPolicy[] policies;
    final Map<String, CompiledPolicy> byName;
    final PolicyIndex index;

    PolicyTable(CompiledPolicy[] policies) {
        this.policies = policies;
        Map<String, CompiledPolicy> map = new LinkedHashMap<>();
        List<Match> matches = new ArrayList<>(policies.length);
        for (CompiledPolicy policy : policies) {
            map.put(policy.name, policy);
            matches.add(policy.match.match);
        }
        this.byName = map;
        this.index = PolicyIndex.of(matches);
    }
}
