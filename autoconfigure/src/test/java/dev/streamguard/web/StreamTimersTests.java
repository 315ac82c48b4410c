package dev.streamguard.web;

import java.time.Duration;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.Capabilities;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ticker passes a healthy stream by until its next timer is due, up to five seconds (on
 * epoll, where the connection's {@code PeerProgress} keeps the peer's progress meanwhile). What
 * must not wait for that: a stream that ends leaves the ticker at its next round, and a stream
 * whose connection fills is checked from the next round, so that its stall is neither early nor
 * late. Its send rate, sampled at its ticks, is still per second.
 */
class StreamTimersTests {

	private static final Duration STALL_TIMEOUT = Duration.ofSeconds(2);

	// One server for all cases: each waits for its own stream's start and end.
	private static TestServer server;

	@BeforeAll
	static void startServer() {
		Capabilities.requireEpoll();
		server = TestServer.start("streamguard.stall-timeout=" + STALL_TIMEOUT.toSeconds() + "s",
				"streamguard.window.low=64KB", "streamguard.window.high=256KB", "streamguard.heartbeat.interval=0");
	}

	@AfterAll
	static void stopServer() {
		if (server != null) {
			server.close();
		}
	}

	@Test
	void aHealthyStreamThatEndsLeavesTheTickerAtItsNextRound() throws Exception {
		StreamTicker ticker = server.context().getBean(StreamGuardWebFilter.class).ticker();
		// The other case's stream is gone, and with it its ticker group.
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ticker.groupCount() == 0);
		LiveStream stream;
		try (RawHttp client = RawHttp.get(server.port(), "/test/sse/quiet", 64 * 1024)) {
			stream = server.listener().awaitStart(Duration.ofSeconds(5));
			assertThat(client.head(Duration.ofSeconds(5))).startsWith("HTTP/1.1 200");
			// Past its first rounds (200 ms apart): the quiet stream asked to be left alone.
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> stream.age().toMillis() > 1500);
			assertThat(ticker.groupCount()).isOne();
		}
		Ended ended = server.listener().awaitEnd(Duration.ofSeconds(5));
		assertThat(ended.reason()).isEqualTo(TerminationReason.CLIENT_CLOSED);
		long endedAt = ended.nanoTime();
		// Without the wake at its end it would stay until the tick it asked for, 5 s on.
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ticker.groupCount() == 0);
		assertThat(Duration.ofNanos(System.nanoTime() - endedAt)).isLessThan(Duration.ofMillis(1500));
	}

	@Test
	void aHealthyStreamWhoseConnectionFillsIsStalledByTheStallTimeoutFromThen() throws Exception {
		// An event of 4 MB a second, the first after a second: by then the stream had its first
		// round and was passed by for five seconds. The client reads the head and stops.
		try (RawHttp client = RawHttp.get(server.port(), "/test/sse/feed?ms=1000&size=4194304", 64 * 1024)) {
			LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(5));
			assertThat(client.head(Duration.ofSeconds(5))).startsWith("HTTP/1.1 200");
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.pollInterval(Duration.ofMillis(20))
				.until(() -> stream.windowFullCount() > 0);
			long full = System.nanoTime();
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(15));
			assertThat(ended.reason()).isEqualTo(TerminationReason.STALLED);
			// Not before the stall timeout (the peer took nothing since the window filled), and
			// not the skipped rounds later: a round is 200 ms at this stall timeout.
			assertThat(Duration.ofNanos(ended.nanoTime() - full))
				.isBetween(STALL_TIMEOUT.minusMillis(300), STALL_TIMEOUT.plusMillis(1500));
		}
	}

	@Test
	void aHealthyStreamsSendRateIsWhatItSendsASecondWhileItIsPassedBy() throws Exception {
		// Ten events a second, no timer due for minutes: the stream is ticked every five seconds.
		try (RawHttp client = RawHttp.get(server.port(), "/test/sse/ticks?ms=100", 64 * 1024)) {
			LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(5));
			assertThat(client.head(Duration.ofSeconds(5))).startsWith("HTTP/1.1 200");
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> stream.age().toMillis() > 1000);
			long fromBytes = stream.bytesSent();
			long from = System.nanoTime();
			// Past a rest of five seconds and the tick that ends it.
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stream.age().toMillis() > 6500);
			double sent = (stream.bytesSent() - fromBytes) * 1e9 / (System.nanoTime() - from);
			assertThat(sent).as("bytes sent a second").isGreaterThan(100);
			// A rate per second, whatever the span it was sampled over (one to five seconds).
			assertThat((double) stream.sendRate()).as("send rate").isBetween(sent * 0.6, sent * 1.4);
		}
		assertThat(server.listener().awaitEnd(Duration.ofSeconds(5)).reason())
			.isEqualTo(TerminationReason.CLIENT_CLOSED);
	}

}
