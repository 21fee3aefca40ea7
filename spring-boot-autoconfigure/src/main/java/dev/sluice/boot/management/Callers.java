package dev.sluice.boot.management;

import java.security.Principal;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.util.ClassUtils;

/** Builds a {@link Caller} from what Actuator passes (Spring Security's authentication when it is present). */
final class Callers {
    private static final boolean SPRING_SECURITY = ClassUtils.isPresent(
            "org.springframework.security.core.Authentication", Callers.class.getClassLoader());

    private Callers() {}

    static Caller of(String authorization, String address, SecurityContext security) {
        Principal principal = security == null ? null : security.getPrincipal();
        if (SPRING_SECURITY && SpringSecurity.anonymous(principal)) {
            principal = null;
        }
        if (principal == null) {
            return new Caller(authorization, null, authority -> false, address);
        }
        Principal known = principal;
        return new Caller(authorization, principal, authority -> (SPRING_SECURITY && SpringSecurity.has(known,
                authority)) || security.isUserInRole(authority), address);
    }

    /** Touched only when Spring Security is on the class path. */
    private static final class SpringSecurity {
        static boolean anonymous(Principal principal) {
            return principal instanceof Authentication authentication
                    && (authentication instanceof AnonymousAuthenticationToken || !authentication.isAuthenticated());
        }

        static boolean has(Principal principal, String authority) {
            if (principal instanceof Authentication authentication) {
                for (GrantedAuthority granted : authentication.getAuthorities()) {
                    if (authority.equals(granted.getAuthority())) {
                        return true;
                    }
                }
            }
            return false;
        }
    }
}
