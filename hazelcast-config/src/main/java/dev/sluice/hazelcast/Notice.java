package dev.sluice.hazelcast;

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
        static final Batch EMPTY = new Batch(List.of());

        Batch {
            notices = List.copyOf(notices);
        }

        static final Codec<Batch> CODEC = new Codec<>(Batch.class, (out, batch) -> {
            out.writeInt(batch.notices().size());
            for (Notice notice : batch.notices()) {
                out.writeString(notice.key());
                out.writeLong(notice.ticket());
                SemaphoreCodecs.writeUuid(out, notice.holder());
                out.writeString(notice.reason() == null ? null : notice.reason().name());
                out.writeLong(notice.used());
            }
        }, in -> {
            int size = in.readInt();
            List<Notice> notices = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                String key = in.readString();
                long ticket = in.readLong();
                UUID holder = SemaphoreCodecs.readUuid(in);
                String reason = in.readString();
                notices.add(new Notice(key, ticket, holder, reason == null ? null : Reason.valueOf(reason),
                        in.readLong()));
            }
            return new Batch(notices);
        });
    }
}
