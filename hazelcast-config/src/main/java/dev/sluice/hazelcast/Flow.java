package dev.sluice.hazelcast;

/**
 * What a semaphore request that may wait brings to the entry's line: the flow it joins (the value of the policy's
 * {@code queue.fair-by}), that flow's weight and how many places one flow may hold ({@code queue.flow-depth}). A FIFO
 * queue puts every request in one flow, {@link #FIFO}, so the entry has one rule for both kinds of line.
 *
 * @param name   the flow, "" for a request without a value (and for every request of a FIFO queue)
 * @param weight 1 to 1,000: places this flow gets for each one of a flow of weight 1 while both wait
 * @param depth  places one flow may hold, at least 1 (a FIFO queue: no limit beyond the queue's depth)
 */
record Flow(String name, int weight, int depth) {
    /** The one flow of a FIFO queue. */
    static final Flow FIFO = new Flow("", 1, Integer.MAX_VALUE);

    Flow {
        if (name == null || weight < 1 || depth < 1) {
            throw new IllegalArgumentException("flow " + name + " needs a name, a weight and a depth of at least 1, "
                    + "got weight " + weight + ", depth " + depth);
        }
    }
}
