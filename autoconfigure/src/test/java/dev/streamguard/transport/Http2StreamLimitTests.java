package dev.streamguard.transport;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.streamguard.test.RawHttp2;
import dev.streamguard.test.RawHttp2.Frame;
import dev.streamguard.test.TestServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The limit on concurrent streams per HTTP/2 connection is advertised in the server's SETTINGS,
 * and a stream beyond it is refused while the connection's other streams keep running. Without
 * it, the server serves streams up to Netty's default of 100.
 */
class Http2StreamLimitTests {

	private static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;

	@Test
	void withoutTheLimitAThirdStreamIsServed() throws Exception {
		try (TestServer server = TestServer.start("server.http2.enabled=true", "streamguard.enabled=false");
				RawHttp2 client = RawHttp2.open(server.port())) {
			// Netty's own default for servers.
			assertThat(serverSettings(client).setting(SETTINGS_MAX_CONCURRENT_STREAMS)).as("advertised limit")
				.isEqualTo(100);
			openThree(client);
			assertThat(streamsWithData(client, Duration.ofSeconds(3))).containsExactlyInAnyOrder(1, 3, 5);
		}
	}

	@Test
	void theDefaultLimitIsAdvertised() throws Exception {
		try (TestServer server = TestServer.start("server.http2.enabled=true");
				RawHttp2 client = RawHttp2.open(server.port())) {
			assertThat(serverSettings(client).setting(SETTINGS_MAX_CONCURRENT_STREAMS)).isEqualTo(100);
		}
	}

	@Test
	void aStreamBeyondTheLimitIsRefusedWhileTheOthersKeepRunning() throws Exception {
		try (TestServer server = TestServer.start("server.http2.enabled=true",
				"streamguard.http2.max-concurrent-streams=2");
				RawHttp2 client = RawHttp2.open(server.port())) {
			assertThat(serverSettings(client).setting(SETTINGS_MAX_CONCURRENT_STREAMS)).isEqualTo(2);
			openThree(client);
			Frame reset = client.await(RawHttp2.RST_STREAM, Duration.ofSeconds(3));
			assertThat(reset.streamId()).isEqualTo(5);
			assertThat(reset.int32(0)).as("error code").isEqualTo(RawHttp2.REFUSED_STREAM);
			// The two admitted streams still get their events after the refusal.
			assertThat(streamsWithData(client, Duration.ofSeconds(2))).containsExactlyInAnyOrder(1, 3);
			assertThat(server.registry().size()).isEqualTo(2);
			assertThat(client.closedNanos()).as("connection closed").isZero();
		}
	}

	private static Frame serverSettings(RawHttp2 client) throws InterruptedException {
		while (true) {
			Frame settings = client.await(RawHttp2.SETTINGS, Duration.ofSeconds(5));
			if ((settings.flags() & RawHttp2.ACK) == 0) {
				return settings;
			}
		}
	}

	private static void openThree(RawHttp2 client) throws Exception {
		client.get(1, "/test/sse/ticks?ms=100");
		client.get(3, "/test/sse/ticks?ms=100");
		client.get(5, "/test/sse/ticks?ms=100");
	}

	/** The streams that receive DATA frames during the given time. */
	private static Set<Integer> streamsWithData(RawHttp2 client, Duration during) throws InterruptedException {
		Set<Integer> streams = ConcurrentHashMap.newKeySet();
		long end = System.nanoTime() + during.toNanos();
		while (System.nanoTime() < end) {
			try {
				streams.add(client.await(RawHttp2.DATA, Duration.ofNanos(end - System.nanoTime())).streamId());
			}
			catch (AssertionError ex) {
				break;
			}
		}
		return streams;
	}

}
