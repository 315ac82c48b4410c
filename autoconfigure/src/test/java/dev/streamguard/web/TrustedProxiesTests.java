package dev.streamguard.web;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TrustedProxiesTests {

	@Test
	void blocksContainTheirAddressesOnly() {
		TrustedProxies proxies = TrustedProxies.of(List.of("10.0.0.0/8", " 127.0.0.1 ", "192.168.4.0/23", "fd00::/8",
				"2001:db8::/127"));
		assertThat(proxies.contains(address("10.255.1.2"))).isTrue();
		assertThat(proxies.contains(address("11.0.0.1"))).isFalse();
		assertThat(proxies.contains(address("127.0.0.1"))).isTrue();
		assertThat(proxies.contains(address("127.0.0.2"))).isFalse();
		assertThat(proxies.contains(address("192.168.5.255"))).isTrue();
		assertThat(proxies.contains(address("192.168.6.0"))).isFalse();
		assertThat(proxies.contains(address("fdff::1"))).isTrue();
		assertThat(proxies.contains(address("fe00::1"))).isFalse();
		assertThat(proxies.contains(address("2001:db8::1"))).isTrue();
		assertThat(proxies.contains(address("2001:db8::2"))).isFalse();
	}

	@Test
	void familiesDoNotMix() {
		assertThat(TrustedProxies.of(List.of("0.0.0.0/0")).contains(address("::1"))).isFalse();
		assertThat(TrustedProxies.of(List.of("::/0")).contains(address("127.0.0.1"))).isFalse();
		assertThat(TrustedProxies.of(List.of("::ffff:127.0.0.1")).contains(address("127.0.0.1"))).isTrue();
	}

	@Test
	void hostBitsBelowThePrefixAreIgnored() {
		assertThat(TrustedProxies.of(List.of("10.1.2.3/8")).contains(address("10.200.0.1"))).isTrue();
	}

	@Test
	void noEntriesTrustNoProxy() {
		assertThat(TrustedProxies.of(List.of()).isEmpty()).isTrue();
		assertThat(TrustedProxies.none().contains(address("127.0.0.1"))).isFalse();
	}

	@Test
	void anEntryThatIsNoLiteralIsRejectedNamingIt() {
		assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/8", "proxy.local")))
			.withMessageContaining("'proxy.local' is neither an IP address nor a CIDR block")
			.withMessageContaining("host names are not resolved");
		assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.of(List.of("")))
			.withMessageContaining("'' is neither an IP address nor a CIDR block");
	}

	@Test
	void aPrefixOutOfRangeIsRejectedNamingTheRange() {
		assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/33")))
			.withMessage("'10.0.0.0/33' has an invalid prefix length '33'; it must be from 0 to 32 for an IPv4 block");
		assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.of(List.of("fd00::/129")))
			.withMessageContaining("from 0 to 128 for an IPv6 block");
		assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/")))
			.withMessageContaining("invalid prefix length ''");
		assertThatIllegalArgumentException().isThrownBy(() -> TrustedProxies.of(List.of("10.0.0.0/+8")))
			.withMessageContaining("invalid prefix length '+8'");
	}

	private static InetAddress address(String literal) {
		InetAddress address = InetAddressLiterals.parse(literal);
		assertThat(address).as(literal).isNotNull();
		return address;
	}

}
