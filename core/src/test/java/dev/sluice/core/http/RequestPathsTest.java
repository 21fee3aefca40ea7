package dev.sluice.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RequestPathsTest {
    @Test
    void findsTheFirstValueOfAQueryParameterDecodingIt() {
        String query = "a=1&key=first%20value&key=second&plus=a+b&flag&utf=%C3%A9t%C3%A9";

        assertThat(RequestPaths.queryParameter(query, "key")).isEqualTo("first value");
        assertThat(RequestPaths.queryParameter(query, "plus")).isEqualTo("a b");
        assertThat(RequestPaths.queryParameter(query, "flag")).isEmpty();
        assertThat(RequestPaths.queryParameter(query, "utf")).isEqualTo("été");
        assertThat(RequestPaths.queryParameter(query, "missing")).isNull();
        assertThat(RequestPaths.queryParameter(null, "key")).isNull();
        assertThat(RequestPaths.queryParameter("k%65y=v", "key")).isEqualTo("v");
    }

    @Test
    void keepsMalformedEscapesAsWritten() {
        assertThat(RequestPaths.queryParameter("key=100%&x=%zz%4", "key")).isEqualTo("100%");
        assertThat(RequestPaths.queryParameter("key=100%&x=%zz%4", "x")).isEqualTo("%zz%4");
    }

    @Test
    void looksAtABoundedNumberOfParameters() {
        StringBuilder query = new StringBuilder();
        for (int i = 0; i < RequestPaths.MAX_QUERY_PARAMETERS; i++) {
            query.append("p").append(i).append("=x&");
        }
        query.append("late=1");

        assertThat(RequestPaths.queryParameter(query.toString(), "p0")).isEqualTo("x");
        assertThat(RequestPaths.queryParameter(query.toString(), "late")).isNull();
    }

    @Test
    void recognisesPathsThatAreNotCanonical() {
        assertThat(RequestPaths.isCanonical("/")).isTrue();
        assertThat(RequestPaths.isCanonical("/api/v1/items")).isTrue();
        assertThat(RequestPaths.isCanonical("/api/v1/")).isTrue();
        assertThat(RequestPaths.isCanonical("/a-b/..c")).isTrue();
        assertThat(RequestPaths.isCanonical("/ap%69/x")).as("escapes decode to another path").isFalse();
        assertThat(RequestPaths.isCanonical("/x/../api")).isFalse();
        assertThat(RequestPaths.isCanonical("/./api")).isFalse();
        assertThat(RequestPaths.isCanonical("/api/..")).isFalse();
        assertThat(RequestPaths.isCanonical("//api")).isFalse();
        assertThat(RequestPaths.isCanonical("/api;jsessionid=1/x")).isFalse();
    }

    @Test
    void resolvesDotSegmentsOfDecodedSegments() {
        assertThat(RequestPaths.resolve(List.of("", "api", "v1"), false)).isEqualTo("/api/v1");
        assertThat(RequestPaths.resolve(List.of("x", "..", "api", "a"), false)).isEqualTo("/api/a");
        assertThat(RequestPaths.resolve(List.of(".", "api", "", "a"), true)).isEqualTo("/api/a/");
        assertThat(RequestPaths.resolve(List.of("..", "..", "api"), false)).as("never above the root")
                .isEqualTo("/api");
        assertThat(RequestPaths.resolve(List.of("api", ".."), false)).isEqualTo("/");
        assertThat(RequestPaths.resolve(List.of(), true)).isEqualTo("/");
    }

    @Test
    void matchesTheRawPathWhenCanonicalElseTheAdaptersCanonicalForm() {
        assertThat(RequestPaths.matchPath("/api/a", () -> "/unused")).isEqualTo("/api/a");
        assertThat(RequestPaths.matchPath("/x/../api/a", () -> "/api/a")).isEqualTo("/api/a");
        assertThat(RequestPaths.matchPath("", () -> "/unused")).isEqualTo("/");
        assertThat(RequestPaths.matchPath("//", () -> "")).as("an empty canonical form is the root").isEqualTo("/");
    }

    @Test
    void takesTheContextPathOffARequestUri() {
        assertThat(RequestPaths.withinContext("/shop/api/a", "/shop")).isEqualTo("/api/a");
        assertThat(RequestPaths.withinContext("/shop", "/shop")).isEmpty();
        assertThat(RequestPaths.withinContext("/api/a", "")).isEqualTo("/api/a");
        assertThat(RequestPaths.withinContext("/api/a", null)).isEqualTo("/api/a");
    }
}
