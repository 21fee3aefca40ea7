package dev.sluice.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PathPatternTest {
    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
        "/**, /, true",
        "/**, /anything/at/all, true",
        "/api/**, /api, true",
        "/api/**, /api/, true",
        "/api/**, /api/v1/users, true",
        "/api/**, /apix, false",
        "/api/**, /other/api, false",
        "/api/**, //api/x, true",
        "/api/**, /api//x, true",
        "/users/*/orders, /users/42/orders, true",
        "/users/*/orders, /users/42/7/orders, false",
        "/users/*/orders, /users//orders, false",
        "/users/*/orders, /users/42/orders/1, false",
        "/users/**/orders, /users/orders, true",
        "/users/**/orders, /users/a/b/c/orders, true",
        "/users/**/orders, /users/a/b/c/order, false",
        "/files/*.png, /files/cat.png, true",
        "/files/*.png, /files/cat.jpg, false",
        "/files/?at, /files/cat, true",
        "/files/?at, /files/at, false",
        "/hello, /hello, true",
        "/hello, /hello/, true",
        "/hello, /hello/x, false",
        "/a/**/b/**/c, /a/x/b/y/z/c, true",
        "/a/**/b/**/c, /a/x/y/z/c, false",
        "/*/admin, /x/admin, true",
    })
    void matchesAntStyle(String pattern, String path, boolean expected) {
        assertThat(new PathPattern(pattern).matches(path)).isEqualTo(expected);
    }

    @Test
    void refusesPatternsWithoutALeadingSlash() {
        assertThatThrownBy(() -> new PathPattern("api/**")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("starts with '/'");
    }
}
