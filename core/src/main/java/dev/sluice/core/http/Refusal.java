package dev.sluice.core.http;

import dev.sluice.core.Admission;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A refused request's answer as an adapter writes it: the status, the headers in order, and the RFC 9457
 * {@code application/problem+json} body with its media type. The adapters translate it field by field into their
 * framework's response, so that the servlet filter and the gateway answer a refusal alike.
 *
 * @param status      the HTTP status
 * @param headers     the headers to add, in order (rate-limit headers, {@code Retry-After})
 * @param contentType {@value #PROBLEM_JSON}, or null when there is no body (the answer then has length 0)
 * @param body        the body's UTF-8 bytes, empty when there is none; not to be modified
 */
public record Refusal(int status, List<Admission.Header> headers, String contentType, byte[] body) {
    /** The media type of a problem body. */
    public static final String PROBLEM_JSON = "application/problem+json";

    private static final byte[] NO_BODY = new byte[0];

    /** The answer to a refused {@code admission}: its status, its headers and its problem body, if any. */
    public static Refusal of(Admission admission) {
        String problem = admission.problemJson();
        return problem == null
                ? new Refusal(admission.status(), admission.headers(), null, NO_BODY)
                : new Refusal(admission.status(), admission.headers(), PROBLEM_JSON,
                        problem.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether there is a body to write. */
    public boolean hasBody() {
        return contentType != null;
    }
}
