package dev.sluice.filter;

import static dev.sluice.filter.Policies.paths;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Sluice;
import dev.sluice.core.config.HeaderStyle;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.Quota;
import dev.sluice.core.config.Rate;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.greenbytes.http.sfv.IntegerItem;
import org.greenbytes.http.sfv.ListElement;
import org.greenbytes.http.sfv.Parser;
import org.greenbytes.http.sfv.StringItem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The RateLimit fields (draft-ietf-httpapi-ratelimit-headers-10) as a client reads them, with an independent
 * structured-field parser (RFC 8941): each RateLimit item names the band it describes, closest to exhaustion, and
 * gives that band's r and t; the legacy fields describe the same band.
 */
class RateLimitFieldsIT {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Sluice sluice;
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        sluice = Policies.sluice(
                // the sample's api-quota: 10 per second plus 1000 per day
                Policy.builder("api-quota").match(paths("/api/**")).key("header:X-Api-Key")
                        .rate(new Rate(10, Duration.ofSeconds(1))).quota(new Quota(1000, Duration.ofDays(1)))
                        .headers(HeaderStyle.BOTH).build(),
                // a quota tighter than its rate
                Policy.builder("small").match(paths("/small/**"))
                        .rate(new Rate(100, Duration.ofSeconds(1))).quota(new Quota(2, Duration.ofHours(1)))
                        .headers(HeaderStyle.BOTH).build());
        server = TestServer.start(new SluiceFilter(sluice));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        sluice.close();
    }

    @Test
    void theRateBandClosestToExhaustionGivesItsOwnRemainingAndReset() throws Exception {
        HttpResponse<String> first = get("/api/ok", "client-1");

        assertThat(first.statusCode()).isEqualTo(200);
        Map<String, Map<String, Long>> policies = items(first, "RateLimit-Policy");
        assertThat(policies).containsOnlyKeys("api-quota", "api-quota-quota");
        assertThat(policies.get("api-quota")).containsEntry("q", 10L).containsEntry("w", 1L);
        assertThat(policies.get("api-quota-quota")).containsEntry("q", 1000L).containsEntry("w", 86_400L);
        Map<String, Map<String, Long>> limits = items(first, "RateLimit");
        assertThat(limits).as("one item per policy, naming its per-second band").containsOnlyKeys("api-quota");
        assertThat(limits.get("api-quota")).as("9 left of 10/s; one token back within a second")
                .containsEntry("r", 9L).containsEntry("t", 1L);
        assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("10");
        assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("9");
        assertThat(first.headers().firstValue("X-RateLimit-Reset")).hasValue("1");
    }

    @Test
    void aQuotaCloserToExhaustionThanTheRateIsTheBandNamed() throws Exception {
        HttpResponse<String> first = get("/small/ok", null);

        Map<String, Map<String, Long>> limits = items(first, "RateLimit");
        assertThat(limits).containsOnlyKeys("small-quota");
        assertThat(items(first, "RateLimit-Policy")).containsKey("small-quota");
        assertThat(limits.get("small-quota")).containsEntry("r", 1L);
        assertThat(limits.get("small-quota").get("t")).as("the hour's quota resets within the hour")
                .isBetween(3_500L, 3_600L);
        assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
        assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
        assertThat(first.headers().firstValue("X-RateLimit-Reset"))
                .hasValue(Long.toString(limits.get("small-quota").get("t")));
    }

    @Test
    void aRefusalNamesTheRefusingBandNextToAnUnchangedRetryAfter() throws Exception {
        get("/small/ok", null);
        get("/small/ok", null);
        HttpResponse<String> refused = get("/small/ok", null);

        assertThat(refused.statusCode()).isEqualTo(429);
        Map<String, Map<String, Long>> limits = items(refused, "RateLimit");
        assertThat(limits).containsOnlyKeys("small-quota");
        assertThat(limits.get("small-quota")).containsEntry("r", 0L);
        long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(3_500L, 3_600L);
        assertThat(limits.get("small-quota")).containsEntry("t", retryAfter);
        assertThat(refused.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
        assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
    }

    /** The field parsed as a structured-field List of Strings with Integer parameters, by item name. */
    private static Map<String, Map<String, Long>> items(HttpResponse<String> response, String field) {
        String value = response.headers().firstValue(field).orElseThrow(() -> new AssertionError("no " + field));
        Map<String, Map<String, Long>> items = new LinkedHashMap<>();
        for (ListElement<?> element : Parser.parseList(value).get()) {
            assertThat(element).as(field + " items are Strings").isInstanceOf(StringItem.class);
            Map<String, Long> parameters = new LinkedHashMap<>();
            element.getParams().forEach((name, parameter) -> {
                assertThat(parameter).as(field + " parameter " + name).isInstanceOf(IntegerItem.class);
                parameters.put(name, ((IntegerItem) parameter).get());
            });
            assertThat(items.put(((StringItem) element).get(), parameters)).as("items named once").isNull();
        }
        return items;
    }

    private HttpResponse<String> get(String path, String apiKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10));
        if (apiKey != null) {
            request.header("X-Api-Key", apiKey);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
