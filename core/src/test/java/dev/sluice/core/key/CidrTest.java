package dev.sluice.core.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {
    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
        "10.0.0.0/8, 10.255.1.2, true",
        "10.0.0.0/8, 11.0.0.1, false",
        "192.168.1.7, 192.168.1.7, true",
        "192.168.1.7, 192.168.1.8, false",
        "0.0.0.0/0, 203.0.113.9, true",
        "172.16.0.0/12, 172.31.255.255, true",
        "172.16.0.0/12, 172.32.0.0, false",
        "10.0.0.0/8, ::ffff:10.1.2.3, true",
        "::1, ::1, true",
        "::1, 0:0:0:0:0:0:0:1, true",
        "fd00::/8, fd12:3456::1, true",
        "fd00::/8, fe80::1, false",
        "2001:db8::/32, [2001:db8::7], true",
        "::/0, 2001:db8::1, true",
        "::/0, 10.0.0.1, false",
        "2001:db8::1/128, 2001:db8::1, true",
        "2001:db8::1/128, 2001:db8::2, false",
    })
    void containsWhatItShould(String range, String address, boolean expected) {
        assertThat(Cidr.parse(range).contains(Cidr.parseAddress(address))).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "example.com", "10.0.0", "10.0.0.0.1", "256.1.1.1", "01.2.3.4", "1.2.3.4:80",
        "::1::2", "12345::", "g::1", "", "1.2.3.-4", "[::1", "unknown", "_hidden"})
    void refusesWhatIsNotALiteral(String text) {
        assertThat(Cidr.parseAddress(text)).isNull();
    }

    @Test
    void refusesBadRangesWithAClearMessage() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("the prefix may be at most 32");
        assertThatThrownBy(() -> Cidr.parse("proxy.internal")).hasMessageStartingWith(
                "must be an IP address or a CIDR range such as 10.0.0.0/8 or fd00::/8, got \"proxy.internal\"");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stripsPortsAndQuotesOfForwardingNodes() {
        assertThat(Cidr.stripPort("1.2.3.4:8080")).isEqualTo("1.2.3.4");
        assertThat(Cidr.stripPort("\"[2001:db8::1]:4711\"")).isEqualTo("2001:db8::1");
        assertThat(Cidr.stripPort("2001:db8::1")).isEqualTo("2001:db8::1");
        assertThat(Cidr.stripPort(" 1.2.3.4 ")).isEqualTo("1.2.3.4");
    }

    @Test
    void formatsCanonically() {
        assertThat(Cidr.format(Cidr.parseAddress("::ffff:10.0.0.1"))).isEqualTo("10.0.0.1");
        assertThat(Cidr.format(Cidr.parseAddress("2001:0db8:0:0:0:0:0:1"))).isEqualTo("2001:db8:0:0:0:0:0:1");
    }
}
