package dev.sluice.core.engine;

import dev.sluice.core.RequestView;
import dev.sluice.core.config.HeaderCondition;
import dev.sluice.core.config.Match;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Finds the policies that may match a request without testing every policy: the literal leading segments of each
 * path pattern form a trie, walked along the request path; a policy sits at the node its pattern's literal prefix
 * leads to (the root when the first segment holds {@code *} or {@code ?}), and within that node under one header
 * condition's value, else under its methods, else among the policies that node always offers.
 *
 * <p>{@link #candidates} returns a superset of the matching policies, as positions in declaration order: the caller
 * still runs each candidate's full {@link MatchRule#matches}. Built once per live change (copy on write); immutable
 * and thread-safe; a lookup allocates only when candidates come from more than one place.
 */
final class PolicyIndex {
    private static final int[] NONE = new int[0];
    private final PathNode root;

    private PolicyIndex(PathNode root) {
        this.root = root;
    }

    /** Indexes {@code matches}; a policy's position in the list is its number in {@link #candidates}. */
    static PolicyIndex of(List<Match> matches) {
        NodeBuilder root = new NodeBuilder();
        for (int position = 0; position < matches.size(); position++) {
            Match match = matches.get(position);
            for (String pattern : match.paths()) {
                NodeBuilder node = root;
                for (String segment : pattern.split("/")) {
                    if (segment.isEmpty()) {
                        continue;
                    }
                    if (segment.indexOf('*') >= 0 || segment.indexOf('?') >= 0) {
                        break;
                    }
                    node = node.children.computeIfAbsent(segment, s -> new NodeBuilder());
                }
                node.add(match, position);
            }
        }
        return new PolicyIndex(root.build());
    }

    /** The positions of the policies that may match, ascending, without repeats; never null. */
    int[] candidates(RequestView request) {
        String path = request.path();
        PathNode node = root;
        int[] found = node.collect(request, NONE);
        int length = path.length();
        int pos = 0;
        while (node.hasChildren()) {
            while (pos < length && path.charAt(pos) == '/') {
                pos++;
            }
            if (pos >= length) {
                break;
            }
            int end = path.indexOf('/', pos);
            if (end < 0) {
                end = length;
            }
            node = node.child(path, pos, end);
            if (node == null) {
                break;
            }
            found = node.collect(request, found);
            pos = end;
        }
        return found;
    }

    /** The sorted union of two sorted lists without repeats; one of them when the other adds nothing. */
    static int[] union(int[] a, int[] b) {
        if (b == null || b.length == 0) {
            return a;
        }
        if (a.length == 0) {
            return b;
        }
        int[] merged = new int[a.length + b.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < a.length && j < b.length) {
            int x = a[i];
            int y = b[j];
            if (x == y) {
                merged[n++] = x;
                i++;
                j++;
            } else if (x < y) {
                merged[n++] = x;
                i++;
            } else {
                merged[n++] = y;
                j++;
            }
        }
        while (i < a.length) {
            merged[n++] = a[i++];
        }
        while (j < b.length) {
            merged[n++] = b[j++];
        }
        return n == merged.length ? merged : Arrays.copyOf(merged, n);
    }

    /** A trie node while the index is built. */
    private static final class NodeBuilder {
        final Map<String, NodeBuilder> children = new LinkedHashMap<>();
        final TreeSet<Integer> always = new TreeSet<>();
        final Map<String, TreeSet<Integer>> byMethod = new HashMap<>();
        /** Lower-cased header name → value → positions. */
        final Map<String, Map<String, TreeSet<Integer>>> byHeader = new LinkedHashMap<>();
        /** Lower-cased header name → the name to ask the request for (any spelling: the lookup ignores case). */
        final Map<String, String> headerNames = new HashMap<>();

        void add(Match match, int position) {
            for (HeaderCondition condition : match.headers()) {
                if (condition.value() != null) {
                    String name = condition.name().toLowerCase(Locale.ROOT);
                    headerNames.putIfAbsent(name, condition.name());
                    byHeader.computeIfAbsent(name, n -> new HashMap<>())
                            .computeIfAbsent(condition.value(), v -> new TreeSet<>()).add(position);
                    return;
                }
            }
            if (!match.methods().isEmpty()) {
                for (String method : match.methods()) {
                    byMethod.computeIfAbsent(method, m -> new TreeSet<>()).add(position);
                }
                return;
            }
            always.add(position);
        }

        PathNode build() {
            String[] keys = new String[children.size()];
            PathNode[] nodes = new PathNode[children.size()];
            int i = 0;
            for (Map.Entry<String, NodeBuilder> child : children.entrySet()) {
                keys[i] = child.getKey();
                nodes[i++] = child.getValue().build();
            }
            Map<String, int[]> methods = byMethod.isEmpty() ? null : positions(byMethod);
            List<PathNode.HeaderSlot> headers = new ArrayList<>();
            for (Map.Entry<String, Map<String, TreeSet<Integer>>> entry : byHeader.entrySet()) {
                headers.add(new PathNode.HeaderSlot(headerNames.get(entry.getKey()), positions(entry.getValue())));
            }
            return new PathNode(keys, nodes, always.isEmpty() ? null : toArray(always), methods,
                    headers.isEmpty() ? null : headers.toArray(PathNode.HeaderSlot[]::new));
        }

        private static Map<String, int[]> positions(Map<String, TreeSet<Integer>> sets) {
            Map<String, int[]> map = new HashMap<>();
            sets.forEach((key, set) -> map.put(key, toArray(set)));
            return Map.copyOf(map);
        }

        private static int[] toArray(TreeSet<Integer> set) {
            return set.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
