package dev.sluice.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.RequestView;
import dev.sluice.core.key.ClientAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
    private final TrustedProxies proxies = TrustedProxies.of(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"));

    @Test
    void believesNoHeaderFromAnUntrustedPeer() {
        assertThat(proxies.of(request("203.0.113.9", Map.of("X-Forwarded-For", List.of("1.2.3.4")))))
                .isEqualTo("203.0.113.9");
    }

    @Test
    void takesTheFirstUntrustedAddressFromTheRightOfXForwardedFor() {
        RequestView request = request("10.1.2.3",
                Map.of("X-Forwarded-For", List.of("6.6.6.6, 198.51.100.4", "10.9.9.9")));

        assertThat(proxies.of(request)).isEqualTo("198.51.100.4");
    }

    @Test
    void prefersTheForwardedHeaderAndReadsQuotedIpv6WithPorts() {
        RequestView request = request("192.168.1.7", Map.of(
                "Forwarded", List.of("for=\"[2001:db8::1]:4711\";proto=https, For=10.0.0.1"),
                "X-Forwarded-For", List.of("1.1.1.1")));

        assertThat(proxies.of(request)).isEqualTo("2001:db8:0:0:0:0:0:1");
    }

    @Test
    void stopsAtAHopThatIsNotAnAddress() {
        RequestView request = request("10.0.0.2", Map.of("X-Forwarded-For", List.of("1.2.3.4, unknown, 10.0.0.3")));

        assertThat(proxies.of(request)).isEqualTo("10.0.0.3");
    }

    @Test
    void usesTheLeftmostHopWhenEveryHopIsTrusted() {
        RequestView request = request("10.0.0.2", Map.of("X-Forwarded-For", List.of("10.0.0.5:8080, fd00::7")));

        assertThat(proxies.of(request)).isEqualTo("10.0.0.5");
    }

    @Test
    void usesThePeerWhenNoProxyIsConfigured() {
        assertThat(TrustedProxies.forProxies(List.of())).isSameAs(ClientAddress.DIRECT);
    }

    @Test
    void neverResolvesNames() {
        RequestView request = request("10.0.0.2", Map.of("X-Forwarded-For", List.of("localhost")));

        assertThat(proxies.of(request)).isEqualTo("10.0.0.2");
    }

    @Test
    void refusesARangeWithTooLongAPrefix() {
        assertThatThrownBy(() -> TrustedProxies.of(List.of("fd00::/129")))
                .hasMessageContaining("got \"fd00::/129\" (the prefix may be at most 128)");
    }

    private static RequestView request(String peer, Map<String, List<String>> headers) {
        return new RequestView() {
            @Override public String method() { return "GET"; }
            @Override public String path() { return "/"; }
            @Override public String header(String name) {
                List<String> values = headers(name);
                return values.isEmpty() ? null : values.get(0);
            }
            @Override public List<String> headers(String name) {
                return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                        .map(Map.Entry::getValue).findFirst().orElse(List.of());
            }
            @Override public String queryParameter(String name) { return null; }
            @Override public String cookie(String name) { return null; }
            @Override public String remoteAddress() { return peer; }
            @Override public String principal() { return null; }
        };
    }
}
