package dev.sluice.boot.management;

import java.security.Principal;
import java.util.function.Predicate;

/**
 * Who calls the Actuator endpoint, as the web stack saw it.
 *
 * @param authorization the {@code Authorization} header, or null
 * @param principal     the authenticated principal (Spring Security or the container), or null
 * @param hasAuthority  whether the principal holds an authority (Spring Security authority, else a container role)
 * @param address       the caller's address as the server saw it (behind a proxy: the proxy's), or null; for the audit
 */
public record Caller(String authorization, Principal principal, Predicate<String> hasAuthority, String address) {
    public static final Caller ANONYMOUS = new Caller(null, null, authority -> false, null);
}
