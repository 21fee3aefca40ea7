package dev.sluice.sample.mvc;

import jakarta.servlet.http.HttpServletRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The webapp sample's endpoints: {@code /hello}, and an echo of the path under {@code /echo}, {@code /work},
 * {@code /api}, {@code /reports} and {@code /shared}; {@code ?ms=N} answers after N milliseconds without holding a
 * thread (an async answer), so queues and concurrency limits can be watched.
 */
@RestController
class SampleController {
    static final long MAX_DELAY_MILLIS = 60_000;

    @GetMapping(value = "/hello", produces = "text/plain")
    String hello() {
        return "Hello from Sluice's Spring MVC sample\n";
    }

    @GetMapping(value = {"/echo/**", "/work/**", "/api/**", "/reports/**", "/shared/**"}, produces = "text/plain")
    CompletableFuture<ResponseEntity<String>> echo(HttpServletRequest request,
            @RequestParam(name = "ms", required = false) Long ms) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (ms == null) {
            return CompletableFuture.completedFuture(ResponseEntity.ok(path));
        }
        if (ms < 0 || ms > MAX_DELAY_MILLIS) {
            return CompletableFuture.completedFuture(ResponseEntity.badRequest()
                    .body("ms must be a whole number of milliseconds from 0 to " + MAX_DELAY_MILLIS + "\n"));
        }
        return CompletableFuture.supplyAsync(() -> ResponseEntity.ok(path),
                CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS));
    }
}
