package dev.streamguard.metrics;

import java.time.Duration;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.SseClient;
import dev.streamguard.test.TestServer;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Meters of a real server, with Boot's own meter registry.
 */
class StreamMetricsServerTests {

	@Test
	void completedAndResetStreamsAreCountedAndBytesMoveWhileAStreamRuns() throws Exception {
		try (TestServer server = TestServer.start("streamguard.heartbeat.interval=0")) {
			MeterRegistry meters = server.context().getBean(MeterRegistry.class);
			SseClient.read(server.port(), "/test/ndjson?count=5", 100);
			server.listener().awaitStart(Duration.ofSeconds(2));
			server.listener().awaitEnd(Duration.ofSeconds(2));
			RawHttp client = RawHttp.get(server.port(), "/test/bulk", 64 * 1024);
			LiveStream bulk = server.listener().awaitStart(Duration.ofSeconds(5));
			client.read(2 * 1024 * 1024);
			assertThat(meters.get("streamguard.streams.active").tag("route", "/test/bulk").gauge().value()).isOne();
			Awaitility.await()
				.atMost(Duration.ofSeconds(2))
				.until(() -> meters.get("streamguard.stream.sent").tag("route", "/test/bulk").functionCounter().count()
						>= 2 * 1024 * 1024);
			client.reset();
			server.listener().awaitEnd(Duration.ofSeconds(2));
			// Listeners run one after the other: the meters may hear of the end a moment later.
			Awaitility.await()
				.atMost(Duration.ofSeconds(2))
				.until(() -> meters.find("streamguard.streams.ended").tag("route", "/test/bulk").counter() != null);
			assertThat(meters.get("streamguard.streams.ended")
				.tags("route", "/test/ndjson", "reason", "completed", "media.type", "application/x-ndjson")
				.counter()
				.count()).isOne();
			assertThat(meters.get("streamguard.streams.ended")
				.tags("route", "/test/bulk", "reason", "client-closed", "media.type", "application/octet-stream")
				.counter()
				.count()).isOne();
			assertThat(meters.get("streamguard.stream.sent").tag("route", "/test/bulk").functionCounter().count())
				.isEqualTo(bulk.bytesSent());
			assertThat(meters.get("streamguard.streams.active").tag("route", "/test/bulk").gauge().value()).isZero();
		}
	}

}
