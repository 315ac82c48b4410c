package dev.streamguard.web;

import java.time.Duration;

import dev.streamguard.test.RawHttp;
import dev.streamguard.test.TestServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A guarded stream sends its headers at once, before its first element or heartbeat: an
 * {@code EventSource} opens, and a proxy with a short read timeout does not answer 504.
 */
class StreamCommitTests {

	@ParameterizedTest
	@ValueSource(strings = { "/test/sse/late?ms=5000", "/test/ndjson/late?ms=5000", "/test/bulk/late?ms=5000" })
	void headersArriveBeforeTheFirstElement(String path) throws Exception {
		try (TestServer server = TestServer.start("streamguard.heartbeat.interval=15s");
				RawHttp client = RawHttp.get(server.port(), path, 65536)) {
			String head = client.head(Duration.ofSeconds(2));
			assertThat(head).startsWith("HTTP/1.1 200 OK").contains(StreamGuardWebFilter.STREAM_ID_HEADER);
			assertThat(server.registry().streams()).singleElement()
				.satisfies((stream) -> assertThat(stream.elementsSent()).isZero());
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "/test/sse/failing" })
	void sourceThatFailsAtOnceStillGetsAnErrorStatus(String path) throws Exception {
		try (TestServer server = TestServer.start();
				RawHttp client = RawHttp.get(server.port(), path, 65536)) {
			assertThat(client.head(Duration.ofSeconds(2))).startsWith("HTTP/1.1 500");
		}
	}

}
