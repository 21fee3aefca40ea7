package dev.sluice.core.engine;

import dev.sluice.core.RequestView;
import java.util.Map;

/**
 * One node of {@link PolicyIndex}'s trie: its children by literal segment, in an open-addressing table probed with
 * a region of the request path (no substring is made), and the policies that sit at it. Immutable after
 * construction.
 */
final class PathNode {
    private final String[] keys;
    private final PathNode[] nodes;
    private final int mask;
    private final int shift;
    private final int[] always;
    private final Map<String, int[]> byMethod;
    private final HeaderSlot[] byHeader;

    /** Policies under one header's values; {@code name} is asked of the request, which ignores its case. */
    record HeaderSlot(String name, Map<String, int[]> byValue) {
    }

    PathNode(String[] childKeys, PathNode[] childNodes, int[] always, Map<String, int[]> byMethod,
            HeaderSlot[] byHeader) {
        int capacity = 0;
        if (childKeys.length > 0) {
            capacity = Integer.highestOneBit(Math.max(1, childKeys.length * 2 - 1)) << 1;
        }
        this.keys = new String[capacity];
        this.nodes = new PathNode[capacity];
        this.mask = capacity - 1;
        this.shift = 32 - Integer.numberOfTrailingZeros(Math.max(2, capacity));
        for (int i = 0; i < childKeys.length; i++) {
            int slot = slot(childKeys[i].hashCode());
            while (keys[slot] != null) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = childKeys[i];
            nodes[slot] = childNodes[i];
        }
        this.always = always;
        this.byMethod = byMethod;
        this.byHeader = byHeader;
    }

    boolean hasChildren() {
        return keys.length > 0;
    }

    /** The child for {@code path[start, end)}, or null. */
    PathNode child(String path, int start, int end) {
        int hash = 0;
        for (int i = start; i < end; i++) {
            hash = 31 * hash + path.charAt(i);
        }
        if (keys.length == 0) {
            return null;
        }
        int length = end - start;
        int slot = slot(hash);
        String key;
        while ((key = keys[slot]) != null) {
            if (key.length() == length && path.regionMatches(start, key, 0, length)) {
                return nodes[slot];
            }
            slot = (slot + 1) & mask;
        }
        return null;
    }

    /** {@code found} with the positions this node offers {@code request} added. */
    int[] collect(RequestView request, int[] found) {
        if (always != null) {
            found = PolicyIndex.union(found, always);
        }
        if (byMethod != null) {
            found = PolicyIndex.union(found, byMethod.get(request.method()));
        }
        if (byHeader != null) {
            for (HeaderSlot slot : byHeader) {
                String value = request.header(slot.name());
                if (value != null) {
                    found = PolicyIndex.union(found, slot.byValue().get(value));
                }
            }
        }
        return found;
    }

    /**
     * The home slot of a hash: its top bits after a multiplication by the golden ratio. Segment names that differ in
     * their last characters ({@code v1}, {@code v2}, ...) have neighbouring hash codes; masking those directly would
     * fill one run of slots and make every probe walk it.
     */
    private int slot(int hash) {
        return (hash * 0x9E3779B9) >>> shift;
    }
}
