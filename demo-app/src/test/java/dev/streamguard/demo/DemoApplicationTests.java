package dev.streamguard.demo;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's streams, read by a real client.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DemoApplicationTests {

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@Autowired
	private Environment environment;

	@Test
	void bulkServesExactlyTheRequestedDeterministicBytes() throws Exception {
		HttpResponse<byte[]> response = this.client.send(request("/demo/bulk?size=1MB"),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("StreamGuard-Stream-Id")).isPresent();
		byte[] body = response.body();
		assertThat(body).hasSize(1024 * 1024);
		for (int i = 0; i < body.length; i++) {
			if (body[i] != (byte) (i % 251)) {
				throw new AssertionError("Byte " + i + " is " + body[i]);
			}
		}
	}

	@Test
	void bulkDownloadAnswersHeadAndSuffixRangesWithItsEntityTag() throws Exception {
		String url = "http://127.0.0.1:" + this.environment.getProperty("local.server.port") + "/streams/bulk";
		HttpResponse<byte[]> head = this.client.send(
				HttpRequest.newBuilder(URI.create(url)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(head.statusCode()).isEqualTo(200);
		assertThat(head.headers().firstValue("Content-Length")).hasValue(Long.toString(1L << 30));
		assertThat(head.headers().firstValue("ETag")).hasValue("\"bulk-" + (1L << 30) + "\"");
		HttpResponse<byte[]> tail = this.client.send(HttpRequest.newBuilder(URI.create(url))
			.header("Range", "bytes=-100")
			.header("If-Range", head.headers().firstValue("ETag").get())
			.build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(tail.statusCode()).isEqualTo(206);
		assertThat(tail.body()).hasSize(100);
		for (int i = 0; i < 100; i++) {
			assertThat(tail.body()[i]).isEqualTo((byte) (((1L << 30) - 100 + i) % 251));
		}
	}

	@Test
	void recordsComeFromTheBlockingProducerInOrder() throws Exception {
		HttpResponse<String> response = this.client.send(request("/demo/records?count=500"),
				HttpResponse.BodyHandlers.ofString());
		List<String> lines = response.body().lines().toList();
		assertThat(lines).hasSize(500);
		assertThat(lines.get(0)).isEqualTo("{\"seq\":0,\"name\":\"record-0\"}");
		assertThat(lines.get(499)).isEqualTo("{\"seq\":499,\"name\":\"record-499\"}");
	}

	@Test
	void ticksAreServerSentEventsWithIds() throws Exception {
		HttpResponse<InputStream> response = this.client.send(request("/demo/ticks"),
				HttpResponse.BodyHandlers.ofInputStream());
		List<String> lines = new ArrayList<>();
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
			while (lines.stream().filter((line) -> line.startsWith("id:")).count() < 3) {
				lines.add(reader.readLine());
			}
		}
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/event-stream"));
		assertThat(lines).containsSubsequence("id:0", "event:tick", "id:1", "event:tick", "id:2");
	}

	@Test
	void badSizeIsAProblemNotAServerError() throws Exception {
		HttpResponse<String> response = this.client.send(request("/demo/bulk?size=lots"),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.body()).contains("size").doesNotContain("Exception");
	}

	@Test
	void badCountNamesTheParameterAndValue() throws Exception {
		HttpResponse<String> response = this.client.send(request("/demo/records?count=abc"),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.body()).contains("Parameter 'count' must be a whole number from 0, was 'abc'");
	}

	private HttpRequest request(String path) {
		return HttpRequest
			.newBuilder(URI.create("http://127.0.0.1:" + this.environment.getProperty("local.server.port") + path))
			.timeout(Duration.ofSeconds(20))
			.build();
	}

}
