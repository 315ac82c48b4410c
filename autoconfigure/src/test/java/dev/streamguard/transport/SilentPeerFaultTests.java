package dev.streamguard.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.Capabilities;
import dev.streamguard.test.NetNs;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.SendQueues;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.SignalType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client in its own network namespace whose link is cut mid-stream: no FIN, no RST ever
 * reaches the server. With the transport options the stream is released within the user
 * timeout; without them it hangs.
 */
class SilentPeerFaultTests {

	private static final Duration USER_TIMEOUT = Duration.ofSeconds(2);

	private static final Duration RELEASE_MARGIN = Duration.ofMillis(1500);

	private static final Duration HANG_OBSERVED = Duration.ofSeconds(10);

	private static final String[] GUARDED = { "streamguard.transport.user-timeout=2s",
			"streamguard.stall-timeout=60s" };

	// The drain timeout only shortens the server's close at the end of a test.
	private static final String[] TRANSPORT_OFF = { "streamguard.transport.user-timeout=0",
			"streamguard.transport.keepalive.enabled=false", "streamguard.stall-timeout=60s",
			"streamguard.drain.timeout=1s" };

	@Test
	void bulkStreamToASilentPeerEndsPeerUnresponsiveWithinTheUserTimeout() throws Exception {
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = startFor(ns, GUARDED, "streamguard.heartbeat.interval=0")) {
			LiveStream stream = startClients(ns, server, "/test/bulk", 1).get(0);
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stream.bytesSent() > 4 * 1024 * 1024);
			assertThat(server.context().getBean(TransportStatus.class).effective().userTimeout())
				.isEqualTo(USER_TIMEOUT);
			long cut = cut(ns);
			Ended ended = server.listener().awaitEnd(USER_TIMEOUT.plus(RELEASE_MARGIN).plusSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.PEER_UNRESPONSIVE);
			assertThat(Duration.ofNanos(ended.nanoTime() - cut)).isLessThanOrEqualTo(USER_TIMEOUT.plus(RELEASE_MARGIN));
			assertReleased(server, 1);
		}
	}

	@Test
	void bulkStreamOverHttp2ToASilentPeerEndsPeerUnresponsiveWithinTheUserTimeout() throws Exception {
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = startFor(ns, GUARDED, "streamguard.heartbeat.interval=0",
						"server.http2.enabled=true")) {
			// h2c with prior knowledge: the stream runs on an HTTP/2 stream channel, a child of
			// the connection, whose socket and TCP_INFO belong to its parent.
			LiveStream stream = startClients(ns, server, "/test/bulk", 1, "--http2-prior-knowledge").get(0);
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stream.bytesSent() > 4 * 1024 * 1024);
			assertThat(stream.tcpInfo()).as("the connection's TCP_INFO, seen from an HTTP/2 stream").isPresent();
			long cut = cut(ns);
			Ended ended = server.listener().awaitEnd(USER_TIMEOUT.plus(RELEASE_MARGIN).plusSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.PEER_UNRESPONSIVE);
			assertThat(Duration.ofNanos(ended.nanoTime() - cut)).isLessThanOrEqualTo(USER_TIMEOUT.plus(RELEASE_MARGIN));
			assertReleased(server, 1);
		}
	}

	@ParameterizedTest
	@EnumSource(Silence.class)
	void sseStreamOverHttp2ToASilentPeerEndsPeerUnresponsiveThroughItsHeartbeats(Silence silence) throws Exception {
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = startFor(ns, GUARDED, "streamguard.heartbeat.interval=500ms",
						"server.http2.enabled=true")) {
			LiveStream stream = startClients(ns, server, "/test/sse/quiet", 1, "--http2-prior-knowledge").get(0);
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> stream.bytesSent() > 10);
			long cut = silence.apply(ns);
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(6));
			assertThat(ended.reason()).isEqualTo(TerminationReason.PEER_UNRESPONSIVE);
			assertThat(Duration.ofNanos(ended.nanoTime() - cut))
				.isLessThanOrEqualTo(Duration.ofMillis(500).plus(USER_TIMEOUT).plus(RELEASE_MARGIN));
			assertReleased(server, 1);
		}
	}

	@ParameterizedTest
	@EnumSource(Silence.class)
	void streamsSharingAnHttp2ConnectionToASilentPeerAllEndPeerUnresponsive(Silence silence) throws Exception {
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = startFor(ns, GUARDED, "streamguard.heartbeat.interval=500ms",
						"server.http2.enabled=true")) {
			List<LiveStream> streams = startSharingOneConnection(ns, server, "/test/sse/quiet", "/test/bulk");
			assertThat(streams.get(0).remoteAddress()).isEqualTo(streams.get(1).remoteAddress());
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.until(() -> streams.get(0).bytesSent() > 10 && streams.get(1).bytesSent() > 64 * 1024);
			long cut = silence.apply(ns);
			for (int i = 0; i < 2; i++) {
				Ended ended = server.listener().awaitEnd(Duration.ofSeconds(8));
				assertThat(ended.reason()).as(ended.stream().route()).isEqualTo(TerminationReason.PEER_UNRESPONSIVE);
				assertThat(Duration.ofNanos(ended.nanoTime() - cut)).isLessThanOrEqualTo(USER_TIMEOUT.plus(RELEASE_MARGIN));
			}
			assertReleased(server, 2);
		}
	}

	@Test
	void streamsSharingAnHttp2ConnectionToABlackHoleHangWithoutTheTransportOptions() throws Exception {
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = startFor(ns, TRANSPORT_OFF, "streamguard.heartbeat.interval=500ms",
						"server.http2.enabled=true")) {
			List<LiveStream> streams = startSharingOneConnection(ns, server, "/test/sse/quiet", "/test/bulk");
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.until(() -> streams.get(0).bytesSent() > 10 && streams.get(1).bytesSent() > 64 * 1024);
			ns.blackHole();
			assertThat(server.listener().pollEnd(HANG_OBSERVED)).as("stream ended after the cut").isNull();
			assertThat(server.registry().size()).isEqualTo(2);
		}
	}

	@Test
	void bulkStreamToASilentPeerHangsWithoutTheTransportOptions() throws Exception {
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = startFor(ns, TRANSPORT_OFF, "streamguard.heartbeat.interval=0")) {
			LiveStream stream = startClients(ns, server, "/test/bulk", 1).get(0);
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stream.bytesSent() > 4 * 1024 * 1024);
			cut(ns);
			assertThat(server.listener().pollEnd(HANG_OBSERVED)).as("stream ended after the cut").isNull();
			assertThat(server.registry().find(stream.id())).isPresent();
			assertThat(server.probe().isFinished()).isFalse();
		}
	}

	@Test
	void idleSseStreamToASilentPeerIsReleasedThroughItsHeartbeats() throws Exception {
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = startFor(ns, GUARDED, "streamguard.heartbeat.interval=500ms")) {
			LiveStream stream = startClients(ns, server, "/test/sse/quiet", 1).get(0);
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> stream.bytesSent() > 10);
			long cut = cut(ns);
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(6));
			assertThat(ended.reason()).isEqualTo(TerminationReason.PEER_UNRESPONSIVE);
			assertThat(Duration.ofNanos(ended.nanoTime() - cut))
				.isLessThanOrEqualTo(Duration.ofMillis(500).plus(USER_TIMEOUT).plus(RELEASE_MARGIN));
			assertThat(ended.stream().elementsSent()).isOne();
			assertReleased(server, 1);
		}
	}

	@Test
	void idleSseStreamToASilentPeerHangsWithoutTheTransportOptions() throws Exception {
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = startFor(ns, TRANSPORT_OFF, "streamguard.heartbeat.interval=500ms")) {
			LiveStream stream = startClients(ns, server, "/test/sse/quiet", 1).get(0);
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> stream.bytesSent() > 10);
			cut(ns);
			assertThat(server.listener().pollEnd(HANG_OBSERVED)).as("stream ended after the cut").isNull();
			assertThat(server.registry().find(stream.id())).isPresent();
		}
	}

	@Test
	void fiftySilentPeersAreAllReleasedAndNothingLeaks() throws Exception {
		int peers = 50;
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = startFor(ns, GUARDED, "streamguard.heartbeat.interval=500ms")) {
			List<LiveStream> streams = startClients(ns, server, "/test/sse/ticks?ms=100", peers);
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.until(() -> streams.stream().allMatch((stream) -> stream.elementsSent() > 2));
			long cut = cut(ns);
			List<Ended> ended = new ArrayList<>();
			for (int i = 0; i < peers; i++) {
				ended.add(server.listener().awaitEnd(Duration.ofSeconds(8)));
			}
			assertThat(ended).allSatisfy((end) -> {
				assertThat(end.reason()).isEqualTo(TerminationReason.PEER_UNRESPONSIVE);
				assertThat(Duration.ofNanos(end.nanoTime() - cut))
					.isLessThanOrEqualTo(USER_TIMEOUT.plus(RELEASE_MARGIN));
			});
			assertReleased(server, peers);
		}
	}

	private static String describe(String address, int port) {
		try {
			return SendQueues.describe(address, port);
		}
		catch (Exception ex) {
			return "(" + ex + ")";
		}
	}

	private static TestServer startFor(NetNs ns, String[] transport, String... more) {
		List<String> properties = new ArrayList<>(List.of(transport));
		properties.addAll(List.of(more));
		properties.add("server.address=" + ns.hostAddress());
		return TestServer.start(properties.toArray(String[]::new));
	}

	private static List<LiveStream> startClients(NetNs ns, TestServer server, String path, int count,
			String... curlOptions) throws Exception {
		String url = "http://" + ns.hostAddress() + ":" + server.port() + path;
		List<String> command = new ArrayList<>(List.of("curl", "-sN", "--max-time", "120", "-o", "/dev/null"));
		command.addAll(List.of(curlOptions));
		command.add(url);
		List<LiveStream> streams = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			ns.start(command.toArray(String[]::new));
		}
		for (int i = 0; i < count; i++) {
			streams.add(server.listener().awaitStart(Duration.ofSeconds(15)));
		}
		return streams;
	}

	/**
	 * Two streams multiplexed over one h2c connection (prior knowledge) by nghttp, which opens
	 * every URI it is given as a stream of one connection.
	 */
	private static List<LiveStream> startSharingOneConnection(NetNs ns, TestServer server, String first,
			String second) throws Exception {
		Capabilities.requireNghttp();
		String base = "http://" + ns.hostAddress() + ":" + server.port();
		ns.start("nghttp", "--null-out", "--no-dep", "--timeout=120s", base + first, base + second);
		List<LiveStream> streams = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			streams.add(server.listener().awaitStart(Duration.ofSeconds(15)));
		}
		// In the order of the URIs, whichever stream the server started first.
		streams.sort(Comparator.comparing((LiveStream stream) -> !stream.route().equals(first)));
		return streams;
	}

	/** How the peer goes silent. */
	enum Silence {

		/** The link goes down: the host answers retransmissions with ICMP host-unreachable. */
		LINK_CUT {
			@Override
			void silence(NetNs ns) throws Exception {
				ns.cut();
			}
		},

		/** The link stays up and every packet is dropped: a pulled cable behind a router. */
		BLACK_HOLE {
			@Override
			void silence(NetNs ns) throws Exception {
				ns.blackHole();
			}
		};

		abstract void silence(NetNs ns) throws Exception;

		long apply(NetNs ns) throws Exception {
			silence(ns);
			return System.nanoTime();
		}

	}

	private static long cut(NetNs ns) throws Exception {
		ns.cut();
		return System.nanoTime();
	}

	private static void assertReleased(TestServer server, int streams) throws Exception {
		Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> server.probe().finishes() == streams);
		assertThat(server.probe().signal()).isEqualTo(SignalType.CANCEL);
		assertThat(server.registry().size()).isZero();
		// Nor does the kernel keep the dead peer's send queue (a plain close would leave the
		// socket in FIN-WAIT-1 with megabytes queued until the kernel gave up retransmitting).
		String address = server.context().getEnvironment().getProperty("server.address");
		Awaitility.await()
			.atMost(Duration.ofSeconds(2))
			.untilAsserted(() -> assertThat(SendQueues.queuedFrom(address, server.port()))
				.as(() -> "bytes the kernel still queues: " + describe(address, server.port()))
				.isZero());
	}

}
