package dev.sluice.filter;

import dev.sluice.core.Admission;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Writes what an {@link Admission} says to a servlet response. */
final class Responses {
    static final String PROBLEM_JSON = "application/problem+json";

    private Responses() {}

    /** Adds the admission's headers (rate-limit headers; Retry-After on refusals). Does no I/O. */
    static void addHeaders(HttpServletResponse response, Admission admission) {
        for (Admission.Header header : admission.headers()) {
            response.addHeader(header.name(), header.value());
        }
    }

    /**
     * Answers a refusal: its status, its headers and its RFC 9457 problem body. The body is small and written in one
     * piece with its length, so the container sends it without the caller streaming anything.
     */
    static void refuse(HttpServletResponse response, Admission admission) throws IOException {
        response.setStatus(admission.status());
        addHeaders(response, admission);
        String problem = admission.problemJson();
        if (problem == null) {
            response.setContentLength(0);
            return;
        }
        byte[] body = problem.getBytes(StandardCharsets.UTF_8);
        response.setContentType(PROBLEM_JSON);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
