package dev.sluice.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the semaphores' decisions reach the node a waiter waits on. A processor that grants or refuses waiters (a
 * release, a leave, a sweep, a live change) returns those decisions to the node that ran it, which hands them to
 * {@link #dispatch}: this node's own go straight to its waiters, the others' are published on the notice topic of
 * their node ({@value #PREFIX}{@code <uuid>}), to which only that node listens. This was chosen over an entry
 * listener because one message carries exactly the decisions, reaches only the node concerned, costs nothing when
 * no one waits on another node, and works for clients as well as members; an entry listener would send every node
 * every change of every busy entry. Topic delivery is best effort: {@link SafetyPoll} covers a lost notice.
 *
 * <p>After a merge Hazelcast gives this member a new UUID, so its notices come to a topic of that name
 * ({@link #movedTo}).
 *
 * <p>Thread-safe. Nothing here blocks a caller; the first notice to a node creates that node's topic on a thread of
 * this node's own.
 */
final class NoticeTopics {
    private static final Logger LOG = LoggerFactory.getLogger(NoticeTopics.class);
    static final String PREFIX = "sluice-notices-";

    private final HazelcastInstance hazelcast;
    private final ClusterCalls calls;
    /** This node's member UUID: Hazelcast gives a member a new one when it merges into another cluster. */
    private volatile UUID self;
    private final Map<UUID, ITopic<Notice.Batch>> topics = new ConcurrentHashMap<>();
    private final ExecutorService topicMaker;
    private volatile ITopic<Notice.Batch> ownTopic;
    private volatile UUID topicRegistration;
    private volatile Consumer<Notice> handler = notice -> { };
    private final AtomicBoolean closed = new AtomicBoolean();

    NoticeTopics(HazelcastInstance hazelcast, ClusterCalls calls) {
        this.hazelcast = hazelcast;
        this.calls = calls;
        this.self = hazelcast.getLocalEndpoint().getUuid();
        this.topicMaker = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sluice-notices-" + self.toString().substring(0, 8));
            thread.setDaemon(true);
            return thread;
        });
        this.ownTopic = hazelcast.getTopic(PREFIX + self);
    }

    /** Starts listening on this node's topic; {@code handler} is given each decision for this node. */
    void listen(Consumer<Notice> handler) {
        this.handler = handler;
        this.topicRegistration = ownTopic.addMessageListener(message -> handle(message.getMessageObject()));
    }

    /** This node's UUID as the holder of its leases and waiters. */
    UUID self() {
        return self;
    }

    /**
     * This member merged into the other side of a split and is {@code now} now: its notices come to the topic of
     * that name from here on.
     */
    void movedTo(UUID now) {
        if (now.equals(self)) {
            return;
        }
        ITopic<Notice.Batch> oldTopic = ownTopic;
        UUID oldRegistration = topicRegistration;
        ITopic<Notice.Batch> topic = hazelcast.getTopic(PREFIX + now);
        topicRegistration = topic.addMessageListener(message -> handle(message.getMessageObject()));
        ownTopic = topic;
        LOG.info("This member merged into the cluster as {} (was {}); notices now come to its new topic", now, self);
        self = now;
        try {
            oldTopic.removeMessageListener(oldRegistration);
        } catch (RuntimeException gone) {
            LOG.debug("The old notice topic's listener stays ({})", gone.toString());
        }
    }

    /** Decisions made by a processor: this node's are handled here, the others' go to their nodes' topics. */
    void dispatch(Notice.Batch batch) {
        if (batch.notices().isEmpty()) {
            return;
        }
        Map<UUID, List<Notice>> others = null;
        for (Notice notice : batch.notices()) {
            if (notice.holder().equals(self)) {
                handler.accept(notice);
            } else {
                if (others == null) {
                    others = new HashMap<>();
                }
                others.computeIfAbsent(notice.holder(), holder -> new ArrayList<>()).add(notice);
            }
        }
        if (others != null && !closed.get()) {
            others.forEach((holder, notices) -> send(holder, new Notice.Batch(notices)));
        }
    }

    /**
     * Publishes to a node's notice topic. The first notice to a node creates the topic's proxy, which may wait for
     * the cluster, so that happens on this node's own thread, never on the Hazelcast thread that answered.
     */
    private void send(UUID holder, Notice.Batch batch) {
        ITopic<Notice.Batch> topic = topics.get(holder);
        if (topic != null) {
            publish(holder, topic, batch);
            return;
        }
        try {
            topicMaker.execute(() -> {
                try {
                    publish(holder, topics.computeIfAbsent(holder, uuid -> hazelcast.getTopic(PREFIX + uuid)),
                            batch);
                } catch (RuntimeException failure) {
                    LOG.debug("A notice to {} was not sent ({}); its safety poll will find out", holder,
                            failure.toString());
                }
            });
        } catch (RuntimeException closing) {
            LOG.debug("A notice to {} was not sent (closing); its safety poll will find out", holder);
        }
    }

    private void publish(UUID holder, ITopic<Notice.Batch> topic, Notice.Batch batch) {
        calls.publish(topic, batch).whenComplete((done, failure) -> {
            if (failure != null) {
                LOG.debug("A notice to {} was not sent ({}); its safety poll will find out", holder,
                        failure.toString());
            }
        });
    }

    private void handle(Notice.Batch batch) {
        for (Notice notice : batch.notices()) {
            if (notice.holder().equals(self)) {
                handler.accept(notice);
            }
        }
    }

    /** Forgets the topic of a member that left. */
    void forget(UUID gone) {
        topics.remove(gone);
    }

    /**
     * Destroys the notice topic of a member that left, on this node's thread (another backend on a live instance may
     * share that instance's topic, so a topic goes only with its member).
     */
    void destroyTopicOf(UUID gone) {
        try {
            topicMaker.execute(() -> {
                try {
                    hazelcast.getTopic(PREFIX + gone).destroy();
                } catch (RuntimeException failure) {
                    LOG.debug("The notice topic of {} stays ({})", gone, failure.toString());
                }
            });
        } catch (RuntimeException closing) {
            // the topic stays, empty
        }
    }

    /** Sends nothing more to other nodes and stops this node's thread; this node's own decisions are still handled. */
    void close() {
        closed.set(true);
        topicMaker.shutdownNow();
    }

    /** Stops listening on this node's topic; throws when the instance is already shut down. */
    void stopListening() {
        ownTopic.removeMessageListener(topicRegistration);
    }
}
