package dev.sluice.core.key;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.config.KeyExpression;
import dev.sluice.core.testkit.TestRequest;
import org.junit.jupiter.api.Test;

class KeyResolverTest {
    private static String resolve(String expression, TestRequest request) {
        return new KeyResolver(KeyExpression.parse(expression), ClientAddress.DIRECT).resolve(request);
    }

    @Test
    void readsEveryKind() {
        TestRequest request = TestRequest.get("/p/q").method("PUT").from("198.51.100.7").principal("alice")
                .header("X-Api-Key", "k1").param("tenant", "t1").cookie("sid", "c1");
        assertThat(resolve("ip", request)).isEqualTo("198.51.100.7");
        assertThat(resolve("header:X-Api-Key", request)).isEqualTo("k1");
        assertThat(resolve("header:x-api-key", request)).isEqualTo("k1");
        assertThat(resolve("param:tenant", request)).isEqualTo("t1");
        assertThat(resolve("cookie:sid", request)).isEqualTo("c1");
        assertThat(resolve("principal", request)).isEqualTo("alice");
        assertThat(resolve("path", request)).isEqualTo("/p/q");
        assertThat(resolve("method", request)).isEqualTo("PUT");
        assertThat(resolve("global", request)).isEqualTo(KeyResolver.GLOBAL);
        assertThat(resolve("header:X-Api-Key+ip", request)).isEqualTo("k1+198.51.100.7");
    }

    @Test
    void aMissingPartMakesTheWholeKeyMissing() {
        TestRequest request = TestRequest.get("/").header("A", "x");
        assertThat(resolve("header:B", request)).isNull();
        assertThat(resolve("header:A+header:B", request)).isNull();
        assertThat(resolve("principal", request)).isNull();
        assertThat(resolve("header:A", TestRequest.get("/").header("A", ""))).as("empty counts as missing").isNull();
    }

    @Test
    void joinedValuesCannotCollide() {
        String one = resolve("header:A+header:B", TestRequest.get("/").header("A", "x+y").header("B", "z"));
        String two = resolve("header:A+header:B", TestRequest.get("/").header("A", "x").header("B", "y+z"));
        assertThat(one).isNotEqualTo(two);
    }

    @Test
    void longKeysAreHashedToABoundedLength() {
        String huge = "v".repeat(10_000);
        String key = resolve("header:A", TestRequest.get("/").header("A", huge));
        assertThat(key).startsWith("sha256:").hasSizeLessThanOrEqualTo(KeyResolver.MAX_KEY_LENGTH);
        assertThat(resolve("header:A", TestRequest.get("/").header("A", huge))).isEqualTo(key);
        assertThat(resolve("header:A", TestRequest.get("/").header("A", huge + "w"))).isNotEqualTo(key);
        String combined = resolve("header:A+header:B", TestRequest.get("/").header("A", huge).header("B", huge));
        assertThat(combined).startsWith("sha256:");
    }
}
