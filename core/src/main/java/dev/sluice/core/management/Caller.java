package dev.sluice.core.management;

/**
 * Who made an accepted call, for the audit.
 *
 * @param who     the principal the adapter authenticated, else the name of the token sent, else null
 * @param token   the name of the token sent, or null
 * @param address the caller's address as the adapter saw it (behind a proxy: the proxy's)
 */
record Caller(String who, String token, String address) {
    static Caller of(ManagementRequest request, String token) {
        String principal = request.principal();
        return new Caller(principal != null && !principal.isBlank() ? principal : token, token,
                request.remoteAddress());
    }
}
