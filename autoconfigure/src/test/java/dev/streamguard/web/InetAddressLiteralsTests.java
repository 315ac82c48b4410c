package dev.streamguard.web;

import java.net.Inet4Address;
import java.net.InetAddress;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class InetAddressLiteralsTests {

	@ParameterizedTest
	@ValueSource(strings = { "127.0.0.1", "0.0.0.0", "255.255.255.255", "10.20.30.40", "::", "::1", "2001:db8::1",
			"1:2:3:4:5:6:7:8", "1::", "fe80::1:2", "2001:DB8:0:0:0:0:0:FF", "1:2:3:4:5:6:1.2.3.4", "::1.2.3.4" })
	void literalsParseToTheAddressTheJdkReadsFromThem(String literal) throws Exception {
		// The JDK parses these literals without a lookup, so it is the reference here.
		assertThat(InetAddressLiterals.parse(literal)).isEqualTo(InetAddress.getByName(literal));
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "1.2.3.4 ", "1..2.3",
			"localhost", "example.com", "1.2.3.4.example.com", "0x7f.0.0.1", "2130706433", "1::2::3",
			"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", "12345::", "::g", "[::1]", "::1%eth0", "1.2.3.4::", ":1", "1:",
			":::", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "\u0661.\u0662.\u0663.\u0664", "\uff11::", "unknown",
			"_hidden" })
	void anythingElseIsNoLiteral(String text) {
		assertThat(InetAddressLiterals.parse(text)).isNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "::ffff:192.0.2.1", "::ffff:c000:201" })
	void anIpv4MappedAddressIsTheIpv4AddressItMaps(String literal) throws Exception {
		assertThat(InetAddressLiterals.parse(literal)).isInstanceOf(Inet4Address.class)
			.isEqualTo(InetAddress.getByName("192.0.2.1"));
	}

}
