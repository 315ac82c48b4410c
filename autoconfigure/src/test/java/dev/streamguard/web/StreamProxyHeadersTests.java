package dev.streamguard.web;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import dev.streamguard.test.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams of events and lines tell buffering proxies and caches to pass them on as they come,
 * unless the application said otherwise; byte streams are left as they are.
 */
class StreamProxyHeadersTests {

	private static TestServer server;

	private final HttpClient client = HttpClient.newHttpClient();

	@BeforeAll
	static void start() {
		server = TestServer.start();
	}

	@AfterAll
	static void stop() {
		server.close();
	}

	@ParameterizedTest
	@CsvSource({ "/test/sse/ticks, text/event-stream", "/streams/paced, application/x-ndjson" })
	void eventsAndLinesAreNeitherBufferedNorCachedNorTransformed(String path, String accept) throws Exception {
		HttpHeaders headers = headersOf(path, accept);
		assertThat(headers.firstValue("Content-Type")).hasValueSatisfying((type) -> assertThat(type).startsWith(accept));
		assertThat(headers.allValues("X-Accel-Buffering")).containsExactly("no");
		assertThat(headers.allValues("Cache-Control")).containsExactly("no-cache, no-transform");
	}

	@Test
	void theApplicationsOwnHeadersAreKept() throws Exception {
		HttpHeaders headers = headersOf("/test/sse/own-headers", "text/event-stream");
		assertThat(headers.allValues("X-Accel-Buffering")).containsExactly("yes");
		assertThat(headers.allValues("Cache-Control")).containsExactly("max-age=5");
	}

	@Test
	void byteStreamsGetNoProxyHeaders() throws Exception {
		HttpHeaders headers = headersOf("/test/bulk", "application/octet-stream");
		assertThat(headers.firstValue("StreamGuard-Stream-Id")).isPresent();
		assertThat(headers.firstValue("X-Accel-Buffering")).isEmpty();
		assertThat(headers.firstValue("Cache-Control")).isEmpty();
	}

	private HttpHeaders headersOf(String path, String accept) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
			.header("Accept", accept)
			.timeout(Duration.ofSeconds(10))
			.build();
		HttpResponse<InputStream> response = this.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
		// Endless streams: the headers are all this test wants.
		response.body().close();
		assertThat(response.statusCode()).isEqualTo(200);
		return response.headers();
	}

}
