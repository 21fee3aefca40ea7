package dev.sluice.filter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServletRequestViewTest {
    @Test
    void findsTheFirstValueOfAQueryParameterDecodingIt() {
        String query = "a=1&key=first%20value&key=second&plus=a+b&flag&utf=%C3%A9t%C3%A9";

        assertThat(ServletRequestView.queryParameter(query, "key")).isEqualTo("first value");
        assertThat(ServletRequestView.queryParameter(query, "plus")).isEqualTo("a b");
        assertThat(ServletRequestView.queryParameter(query, "flag")).isEmpty();
        assertThat(ServletRequestView.queryParameter(query, "utf")).isEqualTo("été");
        assertThat(ServletRequestView.queryParameter(query, "missing")).isNull();
        assertThat(ServletRequestView.queryParameter(null, "key")).isNull();
        assertThat(ServletRequestView.queryParameter("k%65y=v", "key")).isEqualTo("v");
    }

    @Test
    void keepsMalformedEscapesAsWritten() {
        assertThat(ServletRequestView.queryParameter("key=100%&x=%zz%4", "key")).isEqualTo("100%");
        assertThat(ServletRequestView.queryParameter("key=100%&x=%zz%4", "x")).isEqualTo("%zz%4");
    }

    @Test
    void looksAtABoundedNumberOfParameters() {
        StringBuilder query = new StringBuilder();
        for (int i = 0; i < ServletRequestView.MAX_QUERY_PARAMETERS; i++) {
            query.append("p").append(i).append("=x&");
        }
        query.append("late=1");

        assertThat(ServletRequestView.queryParameter(query.toString(), "p0")).isEqualTo("x");
        assertThat(ServletRequestView.queryParameter(query.toString(), "late")).isNull();
    }

    @Test
    void recognisesPathsThatAreNotCanonical() {
        assertThat(ServletRequestView.isCanonical("/")).isTrue();
        assertThat(ServletRequestView.isCanonical("/api/v1/items")).isTrue();
        assertThat(ServletRequestView.isCanonical("/api/v1/")).isTrue();
        assertThat(ServletRequestView.isCanonical("/a-b/..c")).isTrue();
        assertThat(ServletRequestView.isCanonical("/ap%69/x")).as("escapes decode to another path").isFalse();
        assertThat(ServletRequestView.isCanonical("/x/../api")).isFalse();
        assertThat(ServletRequestView.isCanonical("/./api")).isFalse();
        assertThat(ServletRequestView.isCanonical("/api/..")).isFalse();
        assertThat(ServletRequestView.isCanonical("//api")).isFalse();
        assertThat(ServletRequestView.isCanonical("/api;jsessionid=1/x")).isFalse();
    }
}
