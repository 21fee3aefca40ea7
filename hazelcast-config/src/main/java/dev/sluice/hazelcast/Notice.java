package dev.sluice.hazelcast;

import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;
import dev.sluice.core.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A decision about a queued request, for the node it waits on: granted (the lease now exists under its ticket), or
 * refused with a reason.
 *
 * @param key    the semaphore entry (set by the processor once the decision is made)
 * @param ticket the request's ticket
 * @param holder the node it waits on
 * @param reason null when granted
 * @param used   permits in use on the entry after the decision
 */
record Notice(String key, long ticket, UUID holder, Reason reason, long used) {
    static Notice granted(long ticket, UUID holder, long used) {
        return new Notice(null, ticket, holder, null, used);
    }

    static Notice refused(long ticket, UUID holder, Reason reason, long used) {
        return new Notice(null, ticket, holder, reason, used);
    }

    Notice withKey(String entryKey) {
        return new Notice(entryKey, ticket, holder, reason, used);
    }

    boolean granted() {
        return reason == null;
    }

    /** Several notices as one value: what an entry processor answers and what a notice topic carries. */
    record Batch(List<Notice> notices) {
        static final String TYPE = "sluice.semaphore.Notices";
        static final Batch EMPTY = new Batch(List.of());

        Batch {
            notices = List.copyOf(notices);
        }

        static final class Serializer implements CompactSerializer<Batch> {
            @Override
            public Batch read(CompactReader in) {
                String[] keys = in.readArrayOfString("keys");
                long[] tickets = in.readArrayOfInt64("tickets");
                long[] holders = in.readArrayOfInt64("holders");
                String[] reasons = in.readArrayOfString("reasons");
                long[] used = in.readArrayOfInt64("used");
                List<Notice> notices = new ArrayList<>(tickets.length);
                for (int i = 0; i < tickets.length; i++) {
                    notices.add(new Notice(keys[i], tickets[i], new UUID(holders[2 * i], holders[2 * i + 1]),
                            reasons[i] == null ? null : Reason.valueOf(reasons[i]), used[i]));
                }
                return new Batch(notices);
            }

            @Override
            public void write(CompactWriter out, Batch batch) {
                int size = batch.notices().size();
                String[] keys = new String[size];
                long[] tickets = new long[size];
                long[] holders = new long[2 * size];
                String[] reasons = new String[size];
                long[] used = new long[size];
                for (int i = 0; i < size; i++) {
                    Notice notice = batch.notices().get(i);
                    keys[i] = notice.key();
                    tickets[i] = notice.ticket();
                    holders[2 * i] = notice.holder().getMostSignificantBits();
                    holders[2 * i + 1] = notice.holder().getLeastSignificantBits();
                    reasons[i] = notice.reason() == null ? null : notice.reason().name();
                    used[i] = notice.used();
                }
                out.writeArrayOfString("keys", keys);
                out.writeArrayOfInt64("tickets", tickets);
                out.writeArrayOfInt64("holders", holders);
                out.writeArrayOfString("reasons", reasons);
                out.writeArrayOfInt64("used", used);
            }

            @Override
            public String getTypeName() {
                return TYPE;
            }

            @Override
            public Class<Batch> getCompactClass() {
                return Batch.class;
            }
        }
    }
}
