package dev.sluice.core.spi;

/**
 * The policy store cannot take a write here and now, and nothing was written: this node is cut off from the
 * majority of its cluster (a split), so a write accepted here could be lost when the two sides merge. The management
 * API answers 503 with this message; the same write against a node of the majority succeeds.
 */
public final class StoreUnavailableException extends IllegalStateException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
