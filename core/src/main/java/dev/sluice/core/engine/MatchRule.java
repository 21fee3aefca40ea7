package dev.sluice.core.engine;

import dev.sluice.core.RequestView;
import dev.sluice.core.config.HeaderCondition;
import dev.sluice.core.config.Match;
import java.util.List;
import java.util.Set;

/** A policy's {@link Match}, prepared for the request path: patterns parsed once. Immutable and thread-safe. */
final class MatchRule {
    final Match match;
    private final PathPattern[] paths;
    private final Set<String> methods;
    private final HeaderCondition[] headers;

    MatchRule(Match match) {
        this.match = match;
        List<String> patterns = match.paths();
        this.paths = patterns.stream().map(PathPattern::new).toArray(PathPattern[]::new);
        this.methods = match.methods().isEmpty() ? null : match.methods();
        this.headers = match.headers().toArray(HeaderCondition[]::new);
    }

    /** Whether every condition holds: the method (as sent) is listed, a path pattern matches, every header holds. */
    boolean matches(RequestView request) {
        if (methods != null && !methods.contains(request.method())) {
            return false;
        }
        String path = request.path();
        boolean pathMatches = false;
        for (PathPattern pattern : paths) {
            if (pattern.matches(path)) {
                pathMatches = true;
                break;
            }
        }
        if (!pathMatches) {
            return false;
        }
        for (HeaderCondition condition : headers) {
            String value = request.header(condition.name());
            if (value == null || (condition.value() != null && !condition.value().equals(value))) {
                return false;
            }
        }
        return true;
    }
}
