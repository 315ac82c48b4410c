package dev.streamguard.web;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.TestServer;
import dev.streamguard.test.TestStreams;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.SignalType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flow control on a real server: a client that stops reading makes the server hold no more
 * than the write window plus one element, and the stream ends STALLED.
 */
class StreamFlowControlTests {

	private static final int WINDOW_HIGH = 256 * 1024;

	private static final int CLIENT_RECEIVE_BUFFER = 64 * 1024;

	private static final long STALL_MILLIS = 1000;

	@Test
	void slowReaderIsHeldToTheWindowAndEndsStalled() throws Exception {
		try (TestServer server = TestServer.start("streamguard.stall-timeout=" + STALL_MILLIS + "ms",
				"streamguard.window.low=64KB", "streamguard.window.high=" + WINDOW_HIGH + "B",
				"streamguard.heartbeat.interval=0")) {
			try (RawHttp client = RawHttp.get(server.port(), "/test/bulk", CLIENT_RECEIVE_BUFFER)) {
				LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(5));
				client.read(1024 * 1024);
				long stoppedReading = System.nanoTime();
				long maxPending = 0;
				while (!server.probe().isFinished()
						&& System.nanoTime() - stoppedReading < TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS + 3000)) {
					maxPending = Math.max(maxPending, stream.pendingBytes());
					Thread.sleep(5);
				}
				Ended ended = server.listener().awaitEnd(Duration.ofSeconds(1));
				assertThat(ended.reason()).isEqualTo(TerminationReason.STALLED);
				assertThat(Duration.ofNanos(ended.nanoTime() - stoppedReading))
					.isLessThan(Duration.ofMillis(STALL_MILLIS + 1000));
				assertThat(maxPending).as("bytes held in the write window")
					.isLessThanOrEqualTo(WINDOW_HIGH + TestStreams.CHUNK);
				assertThat(server.probe().produced() - 1024 * 1024).as("bytes produced beyond what the client read")
					.isLessThanOrEqualTo(guardedBound());
				assertThat(server.probe().awaitFinish(Duration.ofSeconds(1))).isTrue();
				assertThat(server.probe().signal()).isEqualTo(SignalType.CANCEL);
				assertThat(server.registry().size()).isZero();
			}
		}
	}

	@Test
	void withoutTheGuardASlowReaderPinsTheStreamAndMoreMemory() throws Exception {
		try (TestServer server = TestServer.start("streamguard.enabled=false")) {
			try (RawHttp client = RawHttp.get(server.port(), "/test/bulk", CLIENT_RECEIVE_BUFFER)) {
				client.read(1024 * 1024);
				long bound = guardedBound();
				Awaitility.await()
					.atMost(Duration.ofSeconds(5))
					.until(() -> server.probe().produced() - 1024 * 1024 > bound);
				// Past the moment the guard would have ended it (see above), it is still served.
				Awaitility.await()
					.during(Duration.ofMillis(STALL_MILLIS + 1000))
					.atMost(Duration.ofMillis(STALL_MILLIS + 3000))
					.until(() -> !server.probe().isFinished());
			}
		}
	}

	@Test
	void clientResetEndsStreamClientClosedWithinOneSecond() throws Exception {
		try (TestServer server = TestServer.start("streamguard.heartbeat.interval=0")) {
			RawHttp client = RawHttp.get(server.port(), "/test/bulk", CLIENT_RECEIVE_BUFFER);
			server.listener().awaitStart(Duration.ofSeconds(5));
			client.read(256 * 1024);
			long reset = System.nanoTime();
			client.reset();
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.CLIENT_CLOSED);
			assertThat(Duration.ofNanos(ended.nanoTime() - reset)).isLessThan(Duration.ofSeconds(1));
			assertThat(server.probe().awaitFinish(Duration.ofSeconds(1))).isTrue();
			assertThat(server.probe().signal()).isEqualTo(SignalType.CANCEL);
			assertThat(server.probe().finishes()).isOne();
			assertThat(server.registry().size()).isZero();
		}
	}

	/**
	 * What may legitimately sit between producer and a non-reading client with the guard on:
	 * the server's socket send buffer at its largest, the client's receive buffer (the kernel
	 * doubles the requested size), the write window and one element in flight each way.
	 */
	private static long guardedBound() throws Exception {
		String[] wmem = Files.readAllLines(Path.of("/proc/sys/net/ipv4/tcp_wmem")).get(0).trim().split("\\s+");
		long sendBufferMax = Long.parseLong(wmem[2]);
		return sendBufferMax + 2L * CLIENT_RECEIVE_BUFFER + WINDOW_HIGH + 2L * TestStreams.CHUNK;
	}

}
