package dev.streamguard.transport;

import java.time.Duration;
import java.util.List;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.RawHttp2;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
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

	/**
	 * One server with the PING for these tests: a second server in the same JVM would share
	 * Reactor Netty's global resources, which the first to close disposes.
	 */
	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class WithThePing {

		private TestServer server;

		@BeforeAll
		void startServer() {
			this.server = start(PING);
		}

		@AfterAll
		void stopServer() {
			this.server.close();
		}

		@BeforeEach
		void forgetEarlierStreams() {
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.server.registry().size() == 0);
			this.server.listener().clear();
		}

		@Test
		void aClientThatNeverAnswersIsClosedAndEveryStreamEndsPeerUnresponsive(CapturedOutput output) throws Exception {
			try (RawHttp2 client = RawHttp2.open(server.port())) {
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
			try (RawHttp2 client = RawHttp2.open(server.port()).answeringPings()) {
				List<LiveStream> streams = openTwoStreams(server, client);
				client.await(RawHttp2.PING, INTERVAL.plus(MARGIN));
				// Several rounds of PING and acknowledgement.
				assertThat(server.listener().pollEnd(INTERVAL.plus(ACK_TIMEOUT).multipliedBy(2))).as("a stream ended")
					.isNull();
				assertThat(streams).allSatisfy((stream) -> assertThat(server.registry().find(stream.id())).isPresent());
				assertThat(client.closedNanos()).as("connection closed").isZero();
			}
		}

		@Test
		void aBulkStreamWhoseWindowTheSilentClientNeverReopensEndsPeerUnresponsive() throws Exception {
			try (RawHttp2 client = RawHttp2.open(server.port())) {
				client.get(1, "/test/bulk");
				LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(5));
				long lastSent = System.nanoTime();
				// The stream's 64 KB window is used up at once and never reopened: the stream waits on
				// HTTP/2 flow control with nothing in flight, which only the PING can tell from a
				// dead peer.
				client.await(RawHttp2.PING, INTERVAL.plus(MARGIN));
				Ended ended = server.listener().awaitEnd(INTERVAL.plus(ACK_TIMEOUT).plus(MARGIN).plusSeconds(2));
				assertThat(ended.stream().id()).isEqualTo(stream.id());
				assertThat(ended.reason()).isEqualTo(TerminationReason.PEER_UNRESPONSIVE);
				assertThat(Duration.ofNanos(ended.nanoTime() - lastSent))
					.isLessThanOrEqualTo(INTERVAL.plus(ACK_TIMEOUT).plus(MARGIN));
			}
		}

		@Test
		void aSlowReaderWhosePingWaitsBehindItsDataIsNotCut() throws Exception {
			try (RawHttp2 client = RawHttp2.openWithLargeWindow(server.port(), 32 * 1024)
						.readingAt(64 * 1024)
						.answeringPings()) {
				client.get(1, "/test/bulk");
				LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(5));
				// Far longer than the interval and the ack timeout: each PING waits behind hundreds of
				// kilobytes the reader takes seconds to read, but the peer acknowledges them all along.
				assertThat(server.listener().pollEnd(INTERVAL.plus(ACK_TIMEOUT).multipliedBy(3))).as("stream ended")
					.isNull();
				assertThat(server.registry().find(stream.id())).isPresent();
				assertThat(client.closedNanos()).as("connection closed").isZero();
				assertThat(client.bytesRead()).as("bytes read").isGreaterThan(64 * 1024);
			}
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
