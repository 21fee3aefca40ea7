package dev.sluice.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Admission;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RefusalTest {
    @Test
    void carriesTheStatusHeadersAndProblemBodyOfARefusal() {
        List<Admission.Header> headers = List.of(new Admission.Header("Retry-After", "3"));
        Refusal refusal = Refusal.of(admission(429, headers, "{\"status\":429}"));

        assertThat(refusal.status()).isEqualTo(429);
        assertThat(refusal.headers()).isEqualTo(headers);
        assertThat(refusal.hasBody()).isTrue();
        assertThat(refusal.contentType()).isEqualTo("application/problem+json");
        assertThat(new String(refusal.body(), StandardCharsets.UTF_8)).isEqualTo("{\"status\":429}");
    }

    @Test
    void hasNoBodyWithoutAProblem() {
        Refusal refusal = Refusal.of(admission(503, List.of(), null));

        assertThat(refusal.hasBody()).isFalse();
        assertThat(refusal.contentType()).isNull();
        assertThat(refusal.body()).isEmpty();
    }

    @Test
    void joinsTheValuesOfARepeatedHeaderForMapBasedApis() {
        Map<String, String> joined = Admission.Header.joined(List.of(new Admission.Header("RateLimit", "a"),
                new Admission.Header("Retry-After", "1"), new Admission.Header("RateLimit", "b")));

        assertThat(joined).containsExactly(Map.entry("RateLimit", "a, b"), Map.entry("Retry-After", "1"));
    }

    private static Admission admission(int status, List<Admission.Header> headers, String problem) {
        return (Admission) Proxy.newProxyInstance(Admission.class.getClassLoader(), new Class<?>[] {Admission.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "status" -> status;
                    case "headers" -> headers;
                    case "problemJson" -> problem;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
