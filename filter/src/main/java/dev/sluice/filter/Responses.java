package dev.sluice.filter;

import dev.sluice.core.Admission;
import dev.sluice.core.http.Refusal;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/** Writes what an {@link Admission} says to a servlet response; what to write is decided in core. */
final class Responses {
    private Responses() {}

    /** Adds headers in order (rate-limit headers; Retry-After on refusals). Does no I/O. */
    static void addHeaders(HttpServletResponse response, List<Admission.Header> headers) {
        for (Admission.Header header : headers) {
            response.addHeader(header.name(), header.value());
        }
    }

    /**
     * Answers a refusal ({@link Refusal}): its status, its headers and its problem body. The body is small and written
     * in one piece with its length, so the container sends it without the caller streaming anything.
     */
    static void refuse(HttpServletResponse response, Admission admission) throws IOException {
        Refusal refusal = Refusal.of(admission);
        response.setStatus(refusal.status());
        addHeaders(response, refusal.headers());
        response.setContentLength(refusal.body().length);
        if (refusal.hasBody()) {
            response.setContentType(refusal.contentType());
            response.getOutputStream().write(refusal.body());
        }
    }
}
