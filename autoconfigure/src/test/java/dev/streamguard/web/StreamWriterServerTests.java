package dev.streamguard.web;

import java.time.Duration;

import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.Probe;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A blocking producer behind a real connection: the write window fills, waits honour their
 * deadline, and a waiting producer learns at once that the peer went away.
 */
class StreamWriterServerTests {

	@Test
	void producerSeesFullThenTimesOutThenClosedWhenThePeerResets() throws Exception {
		try (TestServer server = TestServer.start("streamguard.stall-timeout=0", "streamguard.window.low=16KB",
				"streamguard.window.high=64KB", "streamguard.heartbeat.interval=0")) {
			Probe probe = server.probe();
			RawHttp client = RawHttp.get(server.port(), "/test/writer?waitMs=200", 16 * 1024);
			Awaitility.await()
				.atMost(Duration.ofSeconds(10))
				.until(() -> probe.events().stream().anyMatch((event) -> event.startsWith("TIMED_OUT")));
			assertThat(probe.events()).first().isEqualTo("FULL");
			// Waiting again with a long deadline; the reset must wake it at once.
			long reset = System.nanoTime();
			client.reset();
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.CLIENT_CLOSED);
			Awaitility.await()
				.atMost(Duration.ofSeconds(2))
				.until(() -> probe.events().stream().anyMatch((event) -> event.startsWith("CLOSED@")));
			long woken = probe.events()
				.stream()
				.filter((event) -> event.startsWith("CLOSED@"))
				.mapToLong((event) -> Long.parseLong(event.substring("CLOSED@".length())))
				.findFirst()
				.orElseThrow();
			assertThat(Duration.ofNanos(woken - reset)).isLessThan(Duration.ofMillis(500));
			assertThat(probe.events()).contains("reason:CLIENT_CLOSED");
			assertThat(probe.awaitFinish(Duration.ofSeconds(1))).isTrue();
		}
	}

}
