package dev.streamguard.web;

import java.net.InetSocketAddress;
import java.util.List;

import dev.streamguard.web.ClientAddressResolver.ForwardedHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

class ClientAddressResolverTests {

	private static final InetSocketAddress PROXY = new InetSocketAddress(InetAddressLiterals.parse("127.0.0.1"), 40000);

	private final ClientAddressResolver forwardedFor = new ClientAddressResolver(
			TrustedProxies.of(List.of("10.0.0.0/8", "127.0.0.1", "fd00::/8")), ForwardedHeader.X_FORWARDED_FOR);

	private final ClientAddressResolver forwarded = new ClientAddressResolver(
			TrustedProxies.of(List.of("10.0.0.0/8", "127.0.0.1", "fd00::/8")), ForwardedHeader.FORWARDED);

	@Test
	void aDirectClientsHeaderIsNeverBelieved() {
		InetSocketAddress direct = socket("198.51.100.9", 5000);
		assertThat(this.forwardedFor.resolve(direct, List.of("203.0.113.7"))).isEqualTo(direct);
		assertThat(this.forwardedFor.resolve(direct, List.of("10.0.0.1"))).isEqualTo(direct);
		assertThat(ClientAddressResolver.direct().resolve(PROXY, List.of("203.0.113.7"))).isEqualTo(PROXY);
	}

	@Test
	void theRightMostUntrustedHopCountsSoWhatTheClientWroteLeftOfItIsIgnored() {
		assertThat(this.forwardedFor.resolve(PROXY, List.of("192.0.2.1, 203.0.113.7, 10.1.1.1")))
			.isEqualTo(socket("203.0.113.7", 0));
	}

	@Test
	void headerLinesAreOneListInTheOrderTheyArrived() {
		assertThat(this.forwardedFor.resolve(PROXY, List.of("192.0.2.1", "203.0.113.7,10.0.0.2")))
			.isEqualTo(socket("203.0.113.7", 0));
	}

	@Test
	void whenEveryHopIsTrustedTheLeftMostCounts() {
		assertThat(this.forwardedFor.resolve(PROXY, List.of("10.0.0.5, 10.0.0.6"))).isEqualTo(socket("10.0.0.5", 0));
	}

	@Test
	void withoutTheHeaderTheProxyCounts() {
		assertThat(this.forwardedFor.resolve(PROXY, List.of())).isEqualTo(PROXY);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", " ", "garbage", "unknown", "evil.example.com", "192.0.2.1, not-an-address",
			"203.0.113.7 203.0.113.8", "256.0.0.1", "203.0.113.7:99999", "[2001:db8::1", "[2001:db8::1]x",
			"203.0.113.7,", "\u0661.\u0662.\u0663.\u0664" })
	void anUnreadableHopEndsTheWalkAndTheProxyCounts(String header) {
		assertThat(this.forwardedFor.resolve(PROXY, List.of(header))).isEqualTo(PROXY);
	}

	@Test
	void anUnreadableHopLeftOfATrustedOneLeavesTheTrustedOneCounted() {
		assertThat(this.forwardedFor.resolve(PROXY, List.of("203.0.113.7, unknown, 10.0.0.3")))
			.isEqualTo(socket("10.0.0.3", 0));
	}

	@Test
	void ipv6HopsWithAndWithoutBracketsAndPortsAreRead() {
		InetSocketAddress proxy = socket("fd00::1", 443);
		assertThat(this.forwardedFor.resolve(proxy, List.of("2001:db8::1, fd00::2"))).isEqualTo(socket("2001:db8::1", 0));
		assertThat(this.forwardedFor.resolve(proxy, List.of("[2001:db8::1]:4711"))).isEqualTo(socket("2001:db8::1", 4711));
		assertThat(this.forwardedFor.resolve(proxy, List.of("[2001:db8::1]"))).isEqualTo(socket("2001:db8::1", 0));
		assertThat(this.forwardedFor.resolve(proxy, List.of("203.0.113.7:5555"))).isEqualTo(socket("203.0.113.7", 5555));
	}

	@Test
	void forwardedElementsAreReadWithTheirQuotingAndBrackets() {
		assertThat(this.forwarded.resolve(PROXY,
				List.of("for=192.0.2.60;proto=http;by=203.0.113.43, For=\"[2001:db8:cafe::17]:4711\"")))
			.isEqualTo(socket("2001:db8:cafe::17", 4711));
		assertThat(this.forwarded.resolve(PROXY, List.of("for=192.0.2.43, for=10.0.0.9;proto=https")))
			.isEqualTo(socket("192.0.2.43", 0));
		assertThat(this.forwarded.resolve(PROXY, List.of("for=192.0.2.43", "proto=https;FOR=\"203.0.113.7\"")))
			.isEqualTo(socket("203.0.113.7", 0));
	}

	@Test
	void aQuotedCommaOrSemicolonIsPartOfItsValueNotASeparator() {
		// Split naively, the element would end in a readable "for=203.0.113.9".
		assertThat(this.forwarded.resolve(PROXY, List.of("for=\"192.0.2.1, for=203.0.113.9\""))).isEqualTo(PROXY);
		assertThat(this.forwarded.resolve(PROXY, List.of("by=\"x;for=203.0.113.9\""))).isEqualTo(PROXY);
	}

	@ParameterizedTest
	@ValueSource(strings = { "for=unknown", "for=_gazonk", "for=\"_hidden\"", "proto=https", "for=", "for=\"",
			"for=\"[2001:db8::1]:80", "for=2001:db8::1:4711:x", "=for", ";;,,", "for=\"\\\"\"" })
	void anUnreadableForwardedNodeEndsTheWalk(String header) {
		assertThat(this.forwarded.resolve(PROXY, List.of(header))).isEqualTo(PROXY);
	}

	@Test
	void theConfiguredHeaderOnlyIsRead() {
		// A proxy that appends X-Forwarded-For passes the client's own Forwarded header along.
		MockServerHttpRequest request = MockServerHttpRequest.get("/")
			.remoteAddress(PROXY)
			.header("Forwarded", "for=192.0.2.1")
			.header("X-Forwarded-For", "203.0.113.7")
			.build();
		assertThat(this.forwardedFor.resolve(request)).isEqualTo(socket("203.0.113.7", 0));
		assertThat(this.forwarded.resolve(request)).isEqualTo(socket("192.0.2.1", 0));
	}

	private static InetSocketAddress socket(String literal, int port) {
		return new InetSocketAddress(InetAddressLiterals.parse(literal), port);
	}

}
