package dev.streamguard.transport;

import java.time.Duration;
import java.util.List;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.RawHttp2;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 PING with an ack timeout: a client whose TCP connection stays up (its kernel
 * acknowledges every segment) but which never answers a PING, while its streams are being
 * written. Without the PING its streams run on; with it the connection is closed within the
 * interval plus the ack timeout and every stream on it ends PEER_UNRESPONSIVE. A client that
 * answers is never cut.
 */
@ExtendWith(OutputCaptureExtension.class)
class Http2LivenessTests {

	private static final Duration INTERVAL = Duration.ofSeconds(1);

	private static final Duration ACK_TIMEOUT = Duration.ofSeconds(1);

	private static final Duration MARGIN = Duration.ofMillis(1000);

	private static final String[] H2C = { "server.http2.enabled=true", "streamguard.heartbeat.interval=0",
			"streamguard.stall-timeout=60s" };

	private static final String[] PING = { "streamguard.http2.ping.interval=1s",
			"streamguard.http2.ping.ack-timeout=1s" };

	@Test
	void streamsOfAClientThatNeverAnswersRunOnWithoutThePing() throws Exception {
		try (TestServer server = start("streamguard.http2.ping.interval=0");
				RawHttp2 client = RawHttp2.open(server.port())) {
			List<LiveStream> streams = openTwoStreams(server, client);
			// Twice the interval plus the ack timeout: the PING would have closed it by then.
			assertThat(server.listener().pollEnd(INTERVAL.plus(ACK_TIMEOUT).multipliedBy(2))).as("a stream ended")
				.isNull();
			assertThat(streams).allSatisfy((stream) -> assertThat(server.registry().find(stream.id())).isPresent());
			assertThat(client.closedNanos()).as("connection closed").isZero();
		}
	}

	@Test
	void aClientThatNeverAnswersIsClosedAndEveryStreamEndsPeerUnresponsive(CapturedOutput output) throws Exception {
		try (TestServer server = start(PING); RawHttp2 client = RawHttp2.open(server.port())) {
			List<LiveStream> streams = openTwoStreams(server, client);
			long lastSent = System.nanoTime();
			client.await(RawHttp2.PING, INTERVAL.plus(MARGIN));
			Ended first = server.listener().awaitEnd(INTERVAL.plus(ACK_TIMEOUT).plus(MARGIN).plusSeconds(2));
			Ended second = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(List.of(first, second)).allSatisfy((ended) -> {
				assertThat(ended.reason()).isEqualTo(TerminationReason.PEER_UNRESPONSIVE);
				assertThat(Duration.ofNanos(ended.nanoTime() - lastSent))
					.isLessThanOrEqualTo(INTERVAL.plus(ACK_TIMEOUT).plus(MARGIN));
			});
			assertThat(List.of(first.stream().id(), second.stream().id()))
				.containsExactlyInAnyOrderElementsOf(streams.stream().map(LiveStream::id).toList());
			assertThat(client.awaitClosed(Duration.ofSeconds(2))).as("connection closed").isTrue();
			Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> server.registry().size() == 0);
			assertThat(output).doesNotContain("ERROR");
		}
	}

	@Test
	void aClientThatAnswersEveryPingIsNeverCut() throws Exception {
		try (TestServer server = start(PING); RawHttp2 client = RawHttp2.open(server.port()).answeringPings()) {
			List<LiveStream> streams = openTwoStreams(server, client);
			client.await(RawHttp2.PING, INTERVAL.plus(MARGIN));
			// Several rounds of PING and acknowledgement.
			assertThat(server.listener().pollEnd(INTERVAL.plus(ACK_TIMEOUT).multipliedBy(2))).as("a stream ended")
				.isNull();
			assertThat(streams).allSatisfy((stream) -> assertThat(server.registry().find(stream.id())).isPresent());
			assertThat(client.closedNanos()).as("connection closed").isZero();
		}
	}

	private static TestServer start(String... properties) {
		String[] all = new String[H2C.length + properties.length];
		System.arraycopy(H2C, 0, all, 0, H2C.length);
		System.arraycopy(properties, 0, all, H2C.length, properties.length);
		return TestServer.start(all);
	}

	/** Two SSE streams on the connection, written every 100 ms; the client sends nothing more. */
	private static List<LiveStream> openTwoStreams(TestServer server, RawHttp2 client) throws Exception {
		client.get(1, "/test/sse/ticks?ms=100");
		client.get(3, "/test/sse/ticks?ms=100");
		List<LiveStream> streams = List.of(server.listener().awaitStart(Duration.ofSeconds(5)),
				server.listener().awaitStart(Duration.ofSeconds(5)));
		Awaitility.await()
			.atMost(Duration.ofSeconds(5))
			.until(() -> streams.stream().allMatch((stream) -> stream.elementsSent() > 2));
		return streams;
	}

}
