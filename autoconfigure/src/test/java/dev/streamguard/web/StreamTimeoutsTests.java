package dev.streamguard.web;

import java.time.Duration;

import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.SseClient;
import dev.streamguard.test.TestServer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.SignalType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each time limit ends a stream with its own reason, and SSE clients hear why.
 */
class StreamTimeoutsTests {

	@Test
	void quietUpstreamEndsIdleTimeoutAndTellsTheSseClient() throws Exception {
		try (TestServer server = TestServer.start("streamguard.idle-timeout=400ms", "streamguard.heartbeat.interval=0")) {
			SseClient.Result result = SseClient.read(server.port(), "/test/sse/quiet", 100);
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.IDLE_TIMEOUT);
			assertThat(ended.stream().age()).isGreaterThanOrEqualTo(Duration.ofMillis(400));
			assertThat(result.lines()).containsSubsequence("data:hello", "event: end", "data: idle-timeout");
			assertThat(result.cleanEnd()).isTrue();
			assertThat(result.streamId()).isEqualTo(ended.stream().id());
			assertThat(server.probe().awaitFinish(Duration.ofSeconds(1))).isTrue();
			assertThat(server.probe().signal()).isEqualTo(SignalType.CANCEL);
		}
	}

	@Test
	void lateFirstElementEndsFirstElementTimeout() throws Exception {
		try (TestServer server = TestServer.start("streamguard.first-element-timeout=300ms")) {
			SseClient.Result result = SseClient.read(server.port(), "/test/sse/late?ms=5000", 100);
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.FIRST_ELEMENT_TIMEOUT);
			assertThat(ended.stream().age()).isLessThan(Duration.ofSeconds(2));
			assertThat(result.lines()).containsSubsequence("event: end", "data: first-element-timeout");
			assertThat(server.probe().awaitFinish(Duration.ofSeconds(1))).isTrue();
			assertThat(server.probe().signal()).isEqualTo(SignalType.CANCEL);
		}
	}

	@Test
	void longStreamEndsMaxDurationAfterItsEvents() throws Exception {
		try (TestServer server = TestServer.start("streamguard.max-duration=600ms")) {
			SseClient.Result result = SseClient.read(server.port(), "/test/sse/ticks?ms=50", 1000);
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.MAX_DURATION);
			assertThat(ended.stream().elementsSent()).isGreaterThan(3);
			assertThat(result.lines()).contains("id:0", "data:0").containsSubsequence("event: end",
					"data: max-duration");
		}
	}

	@Test
	void routePolicyOverridesTheDefaults() throws Exception {
		try (TestServer server = TestServer.start("streamguard.max-duration=10s",
				"streamguard.routes[/test/sse/**].max-duration=300ms")) {
			SseClient.read(server.port(), "/test/sse/ticks?ms=50", 1000);
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.MAX_DURATION);
			assertThat(ended.stream().policy().maxDuration()).isEqualTo(Duration.ofMillis(300));
			assertThat(ended.stream().route()).isEqualTo("/test/sse/ticks");
		}
	}

	@Test
	void octetStreamPastItsMaxDurationIsCutNotCompleted() throws Exception {
		try (TestServer server = TestServer.start("streamguard.max-duration=300ms")) {
			try (dev.streamguard.test.RawHttp client = dev.streamguard.test.RawHttp.get(server.port(), "/test/bulk",
					1 << 20)) {
				long received = client.readToEnd();
				Ended ended = server.listener().awaitEnd(Duration.ofSeconds(2));
				assertThat(ended.reason()).isEqualTo(TerminationReason.MAX_DURATION);
				assertThat(received).isPositive();
				// A cut chunked body never carries its terminating zero-length chunk.
				assertThat(server.probe().awaitFinish(Duration.ofSeconds(1))).isTrue();
				assertThat(server.probe().signal()).isEqualTo(SignalType.CANCEL);
			}
		}
	}

	@Test
	void completedStreamIsRecordedWithItsElements() throws Exception {
		try (TestServer server = TestServer.start()) {
			SseClient.Result result = SseClient.read(server.port(), "/test/ndjson?count=10", 100);
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.COMPLETED);
			assertThat(ended.stream().elementsSent()).isEqualTo(10);
			assertThat(result.lines()).hasSize(10).startsWith("{\"seq\":0}");
			assertThat(result.cleanEnd()).isTrue();
			assertThat(server.probe().awaitFinish(Duration.ofSeconds(1))).isTrue();
			assertThat(server.probe().signal()).isEqualTo(SignalType.ON_COMPLETE);
			assertThat(server.registry().size()).isZero();
		}
	}

	@Test
	void quietSseStreamGetsHeartbeatsThatAreNotElements() throws Exception {
		try (TestServer server = TestServer.start("streamguard.heartbeat.interval=100ms",
				"streamguard.max-duration=700ms")) {
			SseClient.Result result = SseClient.read(server.port(), "/test/sse/quiet", 1000);
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(result.lines().stream().filter(":"::equals).count()).isGreaterThanOrEqualTo(3);
			assertThat(ended.stream().elementsSent()).isOne();
		}
	}

	@Test
	void nonStreamingResponsesAreNotGuarded() throws Exception {
		try (TestServer server = TestServer.start()) {
			SseClient.Result result = SseClient.read(server.port(), "/test/json", 10);
			assertThat(result.status()).isEqualTo(200);
			assertThat(result.lines()).containsExactly("{\"plain\":true}");
			// A guarded response registers its stream before its first byte is written.
			assertThat(server.listener().startedCount()).as("streams started").isZero();
			assertThat(result.streamId()).isNull();
		}
	}

}
