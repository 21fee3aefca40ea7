package dev.sluice.core.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.testkit.TestRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
    private final ClientAddress proxies = TrustedProxies.of(List.of("10.0.0.0/8", "fd00::/8"));

    @Test
    void anUntrustedPeerIsTheClientWhateverItClaims() {
        TestRequest spoofed = TestRequest.get("/").from("203.0.113.5").header("X-Forwarded-For", "1.1.1.1")
                .header("Forwarded", "for=2.2.2.2");
        assertThat(proxies.of(spoofed)).isEqualTo("203.0.113.5");
    }

    @Test
    void theRightMostUntrustedHopIsTheClient() {
        TestRequest request = TestRequest.get("/").from("10.0.0.2")
                .header("X-Forwarded-For", "6.6.6.6, 198.51.100.7, 10.0.0.9");
        assertThat(proxies.of(request)).as("a client-supplied left part is ignored").isEqualTo("198.51.100.7");
    }

    @Test
    void severalHeaderLinesFormOneChain() {
        TestRequest request = TestRequest.get("/").from("10.0.0.2").header("X-Forwarded-For", "198.51.100.7")
                .header("X-Forwarded-For", "10.1.1.1");
        assertThat(proxies.of(request)).isEqualTo("198.51.100.7");
    }

    @Test
    void forwardedWinsOverXForwardedForAndMayCarryPortsAndBrackets() {
        TestRequest request = TestRequest.get("/").from("fd00::1")
                .header("Forwarded", "for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.3")
                .header("X-Forwarded-For", "9.9.9.9");
        assertThat(proxies.of(request)).isEqualTo("2001:db8:0:0:0:0:0:7");
    }

    @Test
    void garbageStopsAtTheLastTrustedHop() {
        TestRequest request = TestRequest.get("/").from("10.0.0.2").header("X-Forwarded-For", "evil.example, 10.0.0.4");
        assertThat(proxies.of(request)).isEqualTo("10.0.0.4");
        TestRequest unknown = TestRequest.get("/").from("10.0.0.2").header("Forwarded", "for=unknown");
        assertThat(proxies.of(unknown)).isEqualTo("10.0.0.2");
    }

    @Test
    void aChainOfOnlyTrustedHopsGivesTheLeftMost() {
        TestRequest request = TestRequest.get("/").from("10.0.0.2").header("X-Forwarded-For", "10.0.0.7, 10.0.0.8");
        assertThat(proxies.of(request)).isEqualTo("10.0.0.7");
    }

    @Test
    void mappedAddressesShareABucketWithTheirIpv4Form() {
        TestRequest request = TestRequest.get("/").from("::ffff:10.0.0.2").header("X-Forwarded-For", "::ffff:198.51.100.7");
        assertThat(proxies.of(request)).isEqualTo("198.51.100.7");
    }

    @Test
    void noProxiesMeansTheDirectPeer() {
        assertThat(TrustedProxies.of(List.of())).isSameAs(ClientAddress.DIRECT);
        assertThatThrownBy(() -> TrustedProxies.of(List.of("proxy.internal")))
                .hasMessageContaining("must be an IP address or a CIDR range");
    }
}
