package dev.streamguard.transport;

import java.time.Duration;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.NetNs;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A quiet SSE stream over h2c (curl in a network namespace) whose link is cut: no data is in
 * flight, and with the transport options and heartbeats off nothing else would ever notice.
 * Without the PING the stream hangs; with it the stream ends PEER_UNRESPONSIVE within the
 * interval plus the ack timeout.
 */
class Http2PingFaultTests {

	private static final Duration INTERVAL = Duration.ofSeconds(1);

	private static final Duration ACK_TIMEOUT = Duration.ofSeconds(1);

	private static final Duration MARGIN = Duration.ofMillis(1000);

	private static final String[] NOTHING_ELSE = { "server.http2.enabled=true", "streamguard.transport.user-timeout=0",
			"streamguard.transport.keepalive.enabled=false", "streamguard.heartbeat.interval=0",
			"streamguard.stall-timeout=60s" };

	@Test
	void aQuietStreamToACutLinkHangsWithoutThePing() throws Exception {
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = start(ns, "streamguard.http2.ping.interval=0")) {
			LiveStream stream = startClient(ns, server);
			ns.cut();
			assertThat(server.listener().pollEnd(INTERVAL.plus(ACK_TIMEOUT).multipliedBy(2))).as("stream ended")
				.isNull();
			assertThat(server.registry().find(stream.id())).isPresent();
		}
	}

	@Test
	void aQuietStreamToACutLinkEndsPeerUnresponsiveThroughThePing() throws Exception {
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = start(ns, "streamguard.http2.ping.interval=1s",
						"streamguard.http2.ping.ack-timeout=1s")) {
			startClient(ns, server);
			ns.cut();
			long cut = System.nanoTime();
			Ended ended = server.listener().awaitEnd(INTERVAL.plus(ACK_TIMEOUT).plus(MARGIN).plusSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.PEER_UNRESPONSIVE);
			assertThat(Duration.ofNanos(ended.nanoTime() - cut)).isLessThanOrEqualTo(INTERVAL.plus(ACK_TIMEOUT).plus(MARGIN));
			Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> server.registry().size() == 0);
		}
	}

	private static TestServer start(NetNs ns, String... ping) {
		String[] all = new String[NOTHING_ELSE.length + ping.length + 1];
		System.arraycopy(NOTHING_ELSE, 0, all, 0, NOTHING_ELSE.length);
		System.arraycopy(ping, 0, all, NOTHING_ELSE.length, ping.length);
		all[all.length - 1] = "server.address=" + ns.hostAddress();
		return TestServer.start(all);
	}

	private static LiveStream startClient(NetNs ns, TestServer server) throws Exception {
		ns.start("curl", "-sN", "--max-time", "60", "-o", "/dev/null", "--http2-prior-knowledge",
				"http://" + ns.hostAddress() + ":" + server.port() + "/test/sse/quiet");
		LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(15));
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> stream.bytesSent() > 10);
		return stream;
	}

}
