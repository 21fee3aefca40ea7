package dev.sluice.core.config;

import static dev.sluice.core.config.BindProblems.join;

import java.time.Duration;
import java.util.List;

/**
 * Binds a policy's limits and its refusal: {@code rate}, {@code quota}, {@code cost}, {@code concurrency} and
 * {@code reject}.
 */
final class LimitBinder {
    private final BindProblems problems;
    private final Scalars scalars;

    LimitBinder(BindProblems problems, Scalars scalars) {
        this.problems = problems;
        this.scalars = scalars;
    }

    Rate rate(ConfigNode node, String path) {
        if (!problems.expect(node, ConfigNode.Kind.OBJECT, path, "must be an object {limit, period, burst}")) {
            return null;
        }
        problems.unknown(node, path, List.of("limit", "period", "burst"));
        Long limit = scalars.requiredInteger(node, path, "limit");
        Duration period = scalars.requiredDuration(node, path, "period");
        Long burst = node.member("burst") == null ? limit
                : scalars.integer(node.member("burst"), join(path, "burst"));
        if (limit == null || period == null || burst == null) {
            return null;
        }
        return problems.record(node, path, () -> new Rate(limit, period, burst), null);
    }

    Quota quota(ConfigNode node, String path) {
        if (!problems.expect(node, ConfigNode.Kind.OBJECT, path, "must be an object {limit, period}")) {
            return null;
        }
        problems.unknown(node, path, List.of("limit", "period"));
        Long limit = scalars.requiredInteger(node, path, "limit");
        Duration period = scalars.requiredDuration(node, path, "period");
        if (limit == null || period == null) {
            return null;
        }
        return problems.record(node, path, () -> new Quota(limit, period), null);
    }

    Cost cost(ConfigNode node, String path) {
        if (node.kind == ConfigNode.Kind.INTEGER) {
            Long fixed = scalars.integer(node, path);
            return fixed == null ? null : problems.record(node, path, () -> Cost.of(fixed), null);
        }
        if (!problems.expect(node, ConfigNode.Kind.OBJECT, path,
                "must be an integer, or an object {header, max, default}")) {
            return null;
        }
        problems.unknown(node, path, List.of("header", "max", "default"));
        ConfigNode headerNode = node.member("header");
        if (headerNode == null) {
            problems.problem(node, join(path, "header"),
                    "is required in the object form (else write the cost as an integer)");
            return null;
        }
        String header = scalars.string(headerNode, join(path, "header"));
        Long max = scalars.requiredInteger(node, path, "max");
        Long fixed = node.member("default") == null ? Long.valueOf(1)
                : scalars.integer(node.member("default"), join(path, "default"));
        if (header == null || max == null || fixed == null) {
            return null;
        }
        return problems.record(node, path, () -> new Cost(fixed, header, max), "default");
    }

    Concurrency concurrency(ConfigNode node, String path) {
        if (!problems.expect(node, ConfigNode.Kind.OBJECT, path, "must be an object {permits, lease}")) {
            return null;
        }
        problems.unknown(node, path, List.of("permits", "lease"));
        Long permits = scalars.requiredInteger(node, path, "permits");
        Duration lease = node.member("lease") == null ? Concurrency.DEFAULT_LEASE
                : scalars.duration(node.member("lease"), join(path, "lease"));
        if (permits == null || lease == null) {
            return null;
        }
        if (permits > Concurrency.MAX_PERMITS) {
            problems.problem(node.member("permits"), join(path, "permits"), "must be an integer from 1 to "
                    + Concurrency.MAX_PERMITS + ", got " + permits);
            return null;
        }
        return problems.record(node, path, () -> new Concurrency(permits.intValue(), lease), null);
    }

    Reject reject(ConfigNode node, String path) {
        if (!problems.expect(node, ConfigNode.Kind.OBJECT, path, "must be an object {status}")) {
            return null;
        }
        problems.unknown(node, path, List.of("status"));
        if (node.member("status") == null) {
            return Reject.DEFAULT;
        }
        Long status = scalars.integer(node.member("status"), join(path, "status"));
        if (status == null) {
            return null;
        }
        if (status < 400 || status > 599) {
            problems.problem(node.member("status"), join(path, "status"),
                    "must be an HTTP error status from 400 to 599, got " + status);
            return null;
        }
        return new Reject(status.intValue());
    }
}
