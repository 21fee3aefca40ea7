package dev.sluice.core.engine;

import dev.sluice.core.Reason;
import dev.sluice.core.config.Scope;
import java.nio.charset.StandardCharsets;

/**
 * The text of the {@code Sluice-Decision} header: one list member per policy that applied, in order, up to the one
 * that refused; {@code none} when no policy applied. Each member is the policy's name with parameters, in the
 * style of an RFC 8941 list:
 * {@code api;key="alice";outcome=refused;by=rate;tokens=0;wait-ms=0;via=cluster}.
 *
 * <ul>
 *   <li>{@code key}: the key as the policy resolved it; bytes other than printable ASCII, and '%', '"' and '\',
 *       percent-encoded</li>
 *   <li>{@code outcome}: {@code admitted}, {@code refused} or {@code shadow-refused}</li>
 *   <li>{@code by}: what decided: the band ({@code rate}, {@code quota}) or {@code concurrency} that admitted with
 *       the least to spare, or the refusal's reason ({@code rate}, {@code quota}, {@code concurrency},
 *       {@code queue-full}, {@code queue-timeout}, {@code backend-failure})</li>
 *   <li>{@code tokens}: tokens left in that band; {@code permits-in-use} and {@code permits}: the semaphore's</li>
 *   <li>{@code wait-ms}: time spent in the policy's queue</li>
 *   <li>{@code via}: {@code local} (node scope), {@code cluster}, or how a failure rule decided instead of the
 *       cluster: {@code degraded-local} (this node's share), {@code degraded-allow}, {@code degraded-deny}</li>
 * </ul>
 */
final class TraceText {
    private TraceText() {
    }

    static String render(Step[] steps, int count, boolean admitted) {
        if (count == 0) {
            return "none";
        }
        StringBuilder text = new StringBuilder(96 * count);
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                text.append(", ");
            }
            Step step = steps[i];
            CompiledPolicy policy = step.compiled;
            text.append(policy.name).append(";key=\"");
            key(step.key, text);
            text.append('"');
            Reason refusal = refusal(step);
            String outcome = refusal == null ? "admitted"
                    : !admitted && i == count - 1 && !policy.definition.shadow() ? "refused" : "shadow-refused";
            text.append(";outcome=").append(outcome);
            String by = refusal != null ? refusal.wire()
                    : step.rate != null && step.rate.band() != null ? step.rate.band()
                    : step.rate != null ? "rate" : step.permit != null ? "concurrency" : "none";
            text.append(";by=").append(by);
            if (step.rate != null) {
                text.append(";tokens=").append(step.rate.remaining());
            }
            if (step.permit != null) {
                text.append(";permits-in-use=").append(step.permit.inUse());
            }
            if (policy.definition.concurrency() != null) {
                text.append(";permits=").append(policy.definition.concurrency().permits());
            }
            long waited = (step.rate == null ? 0 : step.rate.waitedNanos())
                    + (step.permit == null ? 0 : step.permit.waitedNanos());
            text.append(";wait-ms=").append(waited / 1_000_000);
            text.append(";via=").append(via(step));
        }
        return text.toString();
    }

    private static Reason refusal(Step step) {
        if (step.permit != null && !step.permit.granted()) {
            return step.permit.reason();
        }
        if (step.rate != null && !step.rate.consumed()) {
            return step.rate.reason();
        }
        return step.degradedVia != null && step.degradedVia.equals("degraded-deny") ? Reason.BACKEND_FAILURE : null;
    }

    private static String via(Step step) {
        if (step.degradedVia != null) {
            return step.degradedVia;
        }
        if (step.permit != null && step.permit.degraded()) {
            return "degraded";
        }
        return step.compiled.definition.scope() == Scope.CLUSTER ? "cluster" : "local";
    }

    private static void key(String key, StringBuilder into) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '%' && c != '"' && c != '\\') {
                into.append(c);
            } else {
                int end = i + (Character.isHighSurrogate(c) && i + 1 < key.length() ? 2 : 1);
                for (byte b : key.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    into.append('%').append(Character.forDigit((b >> 4) & 0xf, 16))
                            .append(Character.forDigit(b & 0xf, 16));
                }
                i = end - 1;
            }
        }
    }
}
