package dev.streamguard.web;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamGate;
import dev.streamguard.test.Http;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The limit per client counts the connection's own address, or behind a trusted proxy the
 * client that proxy names; forwarded headers from anyone else change nothing, whatever
 * {@code server.forward-headers-strategy} makes of them.
 */
class ClientAddressServerTests {

	private static final String QUIET = "/test/sse/quiet";

	@ParameterizedTest
	@ValueSource(strings = { "none", "native", "framework" })
	void aDirectClientSpoofingForwardedHeadersCannotRaiseItsOwnLimit(String strategy) throws Exception {
		try (TestServer server = TestServer.start("streamguard.max-streams-per-client=100",
				"server.forward-headers-strategy=" + strategy)) {
			List<RawHttp> clients = new ArrayList<>();
			try {
				int accepted = 0;
				int refused = 0;
				for (int i = 0; i < 105; i++) {
					String spoofed = "198.51." + (i / 200) + "." + (i % 200 + 1);
					RawHttp client = RawHttp.get(server.port(), QUIET, 64 * 1024, "X-Forwarded-For: " + spoofed,
							"Forwarded: for=" + spoofed, "X-Real-IP: " + spoofed);
					clients.add(client);
					String status = client.readStatusLine();
					if (status.contains(" 200 ")) {
						accepted++;
					}
					else if (status.contains(" 429 ")) {
						refused++;
					}
				}
				assertThat(accepted).isEqualTo(100);
				assertThat(refused).isEqualTo(5);
				assertThat(server.context().getBean(StreamGate.class).streamsOf(InetAddress.getLoopbackAddress()))
					.isEqualTo(100);
			}
			finally {
				for (RawHttp client : clients) {
					client.reset();
				}
			}
		}
	}

	@Test
	void throughATrustedProxyEachForwardedClientCountsAndIsShownByTheStreamsEndpoint() throws Exception {
		try (TestServer server = TestServer.start("streamguard.max-streams-per-client=2",
				"streamguard.trusted-proxies=10.0.0.0/8, 127.0.0.1",
				"management.endpoints.web.exposure.include=streams", "management.endpoint.streams.show-details=always")) {
			List<RawHttp> clients = new ArrayList<>();
			try {
				// The client's own "192.0.2.1" left of what the proxy appended is not believed.
				String chain = "X-Forwarded-For: 192.0.2.1, 203.0.113.7, 10.0.0.2";
				for (int i = 0; i < 2; i++) {
					clients.add(RawHttp.get(server.port(), QUIET, 64 * 1024, chain));
					assertThat(clients.get(i).readStatusLine()).contains(" 200 ");
				}
				clients.add(RawHttp.get(server.port(), QUIET, 64 * 1024, chain));
				assertThat(clients.get(2).readStatusLine()).contains(" 429 ");
				RawHttp other = RawHttp.get(server.port(), QUIET, 64 * 1024, "X-Forwarded-For: 203.0.113.8");
				clients.add(other);
				String head = other.head(Duration.ofSeconds(5));
				assertThat(head).startsWith("HTTP/1.1 200 ");
				String id = head.lines()
					.filter((line) -> line.startsWith(StreamGuardWebFilter.STREAM_ID_HEADER + ":"))
					.findFirst()
					.orElseThrow()
					.substring(StreamGuardWebFilter.STREAM_ID_HEADER.length() + 1)
					.trim();

				StreamGate gate = server.context().getBean(StreamGate.class);
				assertThat(gate.streamsOf(InetAddress.getByName("203.0.113.7"))).isEqualTo(2);
				assertThat(gate.streamsOf(InetAddress.getByName("203.0.113.8"))).isEqualTo(1);
				assertThat(gate.streamsOf(InetAddress.getLoopbackAddress())).isZero();
				LiveStream stream = server.registry().find(id).orElseThrow();
				assertThat(stream.remoteAddress()).hasValueSatisfying(
						(address) -> assertThat(address.getAddress().getHostAddress()).isEqualTo("203.0.113.8"));
				Http.Response shown = Http.get(server.port(), "/actuator/streams/" + id);
				assertThat(shown.json().get("remoteAddress").asString()).contains("203.0.113.8");
			}
			finally {
				for (RawHttp client : clients) {
					client.reset();
				}
			}
		}
	}

}
