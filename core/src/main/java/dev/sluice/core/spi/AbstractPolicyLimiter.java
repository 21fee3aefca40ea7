package dev.sluice.core.spi;

import dev.sluice.core.config.Policy;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * What every backend's {@link PolicyLimiter} does the same way around its buckets and semaphores: the definition in
 * force, which only a definition of the same name replaces; and the end of its life, which happens once, either by
 * {@link #unbind} (waiters are admitted and the owner is told) or by {@link #shutDown} (waiters are refused).
 * Subclasses apply a new definition to their buckets and semaphores in {@link #apply} and say how their waiters
 * are admitted or refused. Thread-safe.
 */
public abstract class AbstractPolicyLimiter implements PolicyLimiter {
    private final Consumer<PolicyLimiter> onUnbind;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Policy policy;

    /** @param onUnbind told once when this policy is unbound (not when the backend shuts it down) */
    protected AbstractPolicyLimiter(Policy policy, Consumer<PolicyLimiter> onUnbind) {
        this.policy = policy;
        this.onUnbind = onUnbind;
    }

    @Override
    public final Policy policy() {
        return policy;
    }

    /** @throws IllegalArgumentException when {@code next} has another name */
    @Override
    public final void reconfigure(Policy next) {
        if (!next.name().equals(policy.name())) {
            throw new IllegalArgumentException("policy '" + policy.name() + "' cannot be reconfigured as '"
                    + next.name() + "'");
        }
        policy = next;
        apply(next);
    }

    /** Applies {@code next}, already the {@link #policy()} in force, to the buckets and semaphores. */
    protected abstract void apply(Policy next);

    @Override
    public final void unbind() {
        if (ended.compareAndSet(false, true)) {
            admitWaiters();
            onUnbind.accept(this);
        }
    }

    /** The backend is closing: waiters are refused. Idempotent; nothing happens after {@link #unbind}. */
    public final void shutDown() {
        if (ended.compareAndSet(false, true)) {
            refuseWaiters();
        }
    }

    /** Admits every waiter of the policy (it is gone). */
    protected abstract void admitWaiters();

    /** Refuses the waiters the backend has to refuse when it closes. */
    protected abstract void refuseWaiters();
}
