package dev.sluice.core;

import java.util.List;

/**
 * What the engine sees of a request. Adapters (the servlet filter, the gateway plugin) implement it over their own
 * request type; implementations answer from the request without copying it. Called only from the thread that
 * calls {@link Sluice#admit}, and only during that call.
 */
public interface RequestView {
    /** The method, in the case the client sent. */
    String method();

    /** The path within the application (without the servlet context path), not decoded, never null. */
    String path();

    /** The first value of a header (name case-insensitive), or null. */
    String header(String name);

    /** Every value of a header in the order received; empty when absent. */
    List<String> headers(String name);

    /** The first value of a query parameter, or null. Adapters never read the request body for this. */
    String queryParameter(String name);

    /** A cookie's value, or null. */
    String cookie(String name);

    /** The address of the directly connected peer (an IP literal), never null. */
    String remoteAddress();

    /** The authenticated principal's name, or null. */
    String principal();
}
