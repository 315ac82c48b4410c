package dev.streamguard.web;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.H2FrameClient;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The drain over HTTP/2: the connection is told first (GOAWAY: open no new stream here), then
 * each stream ends on its own terms, an SSE stream with its final frame and a clean end, a
 * download at the drain timeout.
 */
class Http2DrainTests {

	@Test
	void drainSendsGoAwayThenEndsEachStreamOnItsOwnTerms() throws Exception {
		TestServer server = TestServer.start("server.http2.enabled=true", "server.address=127.0.0.1",
				"streamguard.drain.timeout=1s", "streamguard.heartbeat.interval=0");
		try (H2FrameClient client = H2FrameClient.connect(server.port())) {
			H2FrameClient.Stream first = client.get("/test/sse/quiet", true);
			H2FrameClient.Stream second = client.get("/test/sse/quiet", true);
			H2FrameClient.Stream download = client.get("/test/bulk", true);
			for (int i = 0; i < 3; i++) {
				server.listener().awaitStart(Duration.ofSeconds(10));
			}
			Awaitility.await()
				.atMost(Duration.ofSeconds(5))
				.until(() -> first.text().contains("hello") && second.text().contains("hello")
						&& download.received() > 1024 * 1024);
			long stopping = System.nanoTime();
			CompletableFuture<Void> stopped = CompletableFuture.runAsync(server::close);
			Map<TerminationReason, Integer> reasons = new EnumMap<>(TerminationReason.class);
			for (int i = 0; i < 3; i++) {
				reasons.merge(server.listener().awaitEnd(Duration.ofSeconds(5)).reason(), 1, Integer::sum);
			}
			assertThat(reasons).containsExactly(Map.entry(TerminationReason.SERVER_SHUTDOWN, 3));
			Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> first.endNanos() > 0 && second.endNanos() > 0);
			assertThat(client.goAwayNanos()).as("GOAWAY received").isPositive();
			for (H2FrameClient.Stream sse : new H2FrameClient.Stream[] { first, second }) {
				assertThat(client.goAwayNanos()).as("GOAWAY before the stream's end").isLessThanOrEqualTo(sse.endNanos());
				assertThat(sse.text()).contains("event: end\n").contains("data: server-shutdown");
				assertThat(sse.reset()).as("reset").isFalse();
				assertThat(Duration.ofNanos(sse.endNanos() - stopping)).isLessThan(Duration.ofMillis(900));
			}
			Awaitility.await().atMost(Duration.ofSeconds(3)).until(download::reset);
			assertThat(Duration.ofNanos(System.nanoTime() - stopping)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
			stopped.get();
		}
		finally {
			server.close();
		}
	}

}
