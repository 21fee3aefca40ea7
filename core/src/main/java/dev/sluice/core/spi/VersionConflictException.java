package dev.sluice.core.spi;

/** A conditional write found another version than the one it expected (HTTP 412). */
public final class VersionConflictException extends RuntimeException {
    private final String policy;
    private final Long expected;
    private final Long actual;

    /**
     * @param expected the version the writer expected, 0 for "must not exist"
     * @param actual   the version found, or null when the policy does not exist
     */
    public VersionConflictException(String policy, Long expected, Long actual) {
        super("policy '" + policy + "' is at version " + (actual == null ? "none (it does not exist)" : actual)
                + ", not " + (expected == null || expected == 0 ? "absent" : expected < 0 ? "present" : expected));
        this.policy = policy;
        this.expected = expected;
        this.actual = actual;
    }

    public String policy() { return policy; }

    public Long expected() { return expected; }

    public Long actual() { return actual; }
}
