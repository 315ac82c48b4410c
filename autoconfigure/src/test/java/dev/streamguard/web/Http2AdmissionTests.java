package dev.streamguard.web;

import java.time.Duration;

import dev.streamguard.test.H2FrameClient;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Admission over HTTP/2: the streams of one connection count for its client, and a stream
 * beyond a limit is refused on its own, as a response of its own (429 or 503, problem+json,
 * Retry-After), while its siblings on the connection run on.
 */
class Http2AdmissionTests {

	@Test
	void streamBeyondTheLimitPerClientIsRefusedWhileItsSiblingsRunOn() throws Exception {
		try (TestServer server = TestServer.start("server.http2.enabled=true", "server.address=127.0.0.1",
				"streamguard.max-streams-per-client=2", "streamguard.heartbeat.interval=200ms");
				H2FrameClient client = H2FrameClient.connect(server.port())) {
			H2FrameClient.Stream first = client.get("/test/sse/quiet", true);
			H2FrameClient.Stream second = client.get("/test/sse/quiet", true);
			server.listener().awaitStart(Duration.ofSeconds(10));
			server.listener().awaitStart(Duration.ofSeconds(10));
			H2FrameClient.Stream third = client.get("/test/sse/quiet", true);
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> third.endNanos() > 0);
			assertThat(third.status()).isEqualTo(429);
			assertThat(third.contentType()).startsWith("application/problem+json");
			assertThat(third.retryAfter()).isNotEmpty();
			assertThat(third.reset()).as("refused as a response, not a reset").isFalse();
			// The siblings were neither refused nor disturbed: heartbeats keep coming.
			long firstBefore = first.received();
			long secondBefore = second.received();
			Awaitility.await()
				.atMost(Duration.ofSeconds(3))
				.until(() -> first.received() > firstBefore && second.received() > secondBefore);
			assertThat(first.status()).isEqualTo(200);
			assertThat(second.status()).isEqualTo(200);
			assertThat(server.registry().size()).isEqualTo(2);
		}
	}

}
