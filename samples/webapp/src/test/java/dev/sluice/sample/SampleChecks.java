package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** What the sample application does, wherever it runs: checks shared by every deployment's test. */
final class SampleChecks {
    private final HttpClient client;
    private final URI base;

    /** @param base the application's root, ending with '/' */
    SampleChecks(HttpClient client, URI base) {
        this.client = client;
        this.base = base;
    }

    URI uri(String path) {
        return base.resolve(path.startsWith("/") ? path.substring(1) : path);
    }

    /** {@code /echo/**} echoes the path within the application, also after an asynchronous wait. */
    void echoes() throws Exception {
        HttpResponse<String> plain = get("/echo/a/b");
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).isEqualTo("/echo/a/b");
        assertThat(plain.headers().firstValue("RateLimit-Policy")).isEmpty();

        HttpResponse<String> delayed = get("/echo/later?ms=150");
        assertThat(delayed.statusCode()).isEqualTo(200);
        assertThat(delayed.body()).isEqualTo("/echo/later");

        assertThat(get("/echo/x?ms=nope").statusCode()).isEqualTo(400);
    }

    /** {@code /hello} answers, and a few quick calls end in a 429 with headers and a problem body. */
    void limitsHello() throws Exception {
        HttpResponse<String> first = get("/hello");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("hello");
        assertThat(first.headers().firstValue("RateLimit-Policy")).hasValueSatisfying(
                value -> assertThat(value).contains("\"hello-rate\""));

        List<HttpResponse<String>> more = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            more.add(get("/hello"));
        }
        HttpResponse<String> refused = more.get(more.size() - 1);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.headers().firstValue("RateLimit")).isPresent();
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                value -> assertThat(value).startsWith("application/problem+json"));
        assertThat(refused.body()).contains("\"status\":429").contains("\"policy\":\"hello-rate\"");
    }

    /**
     * {@code /work/**} runs 2 at a time and queues the rest for at most 5 s: of three long requests, the one that
     * waits is refused when its wait runs out, while the other two are still running.
     */
    void queuesWorkAndRefusesAfterTheMaximumWait() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            calls.add(client.sendAsync(HttpRequest.newBuilder(uri("/work/long?ms=60000"))
                    .timeout(Duration.ofSeconds(90)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        Object first = CompletableFuture.anyOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        @SuppressWarnings("unchecked")
        HttpResponse<String> refused = (HttpResponse<String>) first;
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.body()).contains("\"reason\":\"queue-timeout\"").contains("\"policy\":\"work-concurrency\"");
        calls.forEach(call -> call.cancel(true));
    }

    /**
     * The dashboard comes from the management servlet's mapping, in any container: {@code /sluice} redirects to
     * {@code /sluice/}, whose page and files answer with their types and the Content-Security-Policy, without a token.
     */
    void servesTheDashboard() throws Exception {
        HttpResponse<String> bare = get("/sluice");
        assertThat(bare.statusCode()).isEqualTo(302);
        assertThat(bare.headers().firstValue("Location")).hasValueSatisfying(
                location -> assertThat(location).endsWith("/sluice/"));
        for (String[] file : List.of(new String[] {"/sluice/", "text/html"},
                new String[] {"/sluice/ui/dashboard.js", "text/javascript"},
                new String[] {"/sluice/ui/dashboard.css", "text/css"})) {
            HttpResponse<String> answer = get(file[0]);
            assertThat(answer.statusCode()).as(file[0]).isEqualTo(200);
            assertThat(answer.headers().firstValue("Content-Type")).as(file[0]).hasValueSatisfying(
                    type -> assertThat(type).startsWith(file[1]));
            assertThat(answer.headers().firstValue("Content-Security-Policy")).as(file[0]).hasValueSatisfying(
                    policy -> assertThat(policy).contains("default-src 'none'"));
        }
        assertThat(get("/sluice/policies").statusCode()).as("reads are open in the sample").isEqualTo(200);
    }

    HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
