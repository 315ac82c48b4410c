package dev.streamguard.web;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.streamguard.client.StreamEvent;
import dev.streamguard.client.StreamGuardClient;
import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.SseClient;
import dev.streamguard.test.TestServer;
import dev.streamguard.transport.TransportOptions;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lease rotates the streams that their clients can resume, and only those: SSE streams
 * end cleanly with {@code retry:} and their clients resume where they left off; NDJSON of a
 * stream source is cut and resumes with {@code ?from=}; other NDJSON and byte streams run on.
 */
class StreamLeaseTests {

	private static final Pattern POSITION = Pattern.compile("\"position\":(\\d+)");

	@Test
	void sseStreamRotatesAtTheEndOfItsLeaseWithRetry() throws Exception {
		try (TestServer server = TestServer.start("streamguard.lease=600ms", "streamguard.drain.reconnect-delay=250ms")) {
			SseClient.Result result = SseClient.read(server.port(), "/test/sse/ticks?ms=50", 1000);
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.LEASE_EXPIRED);
			// Drawn from the lease's last tenth.
			assertThat(ended.stream().age()).isBetween(Duration.ofMillis(540), Duration.ofMillis(1500));
			assertThat(result.lines()).containsSubsequence("event: end", "retry: 250", "data: lease-expired");
			assertThat(result.cleanEnd()).isTrue();
		}
	}

	@Test
	void routeCanTurnTheLeaseOff() throws Exception {
		try (TestServer server = TestServer.start("streamguard.lease=300ms",
				"streamguard.routes[/test/sse/late].lease=0")) {
			SseClient.Result result = SseClient.read(server.port(), "/test/sse/late?ms=900", 100);
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.COMPLETED);
			assertThat(ended.stream().policy().lease()).isNull();
			assertThat(result.lines()).contains("data:late");
		}
	}

	@Test
	void clientResumesAcrossRotationsWithoutGapOrDuplicate() throws Exception {
		Retry retry = Retry.of("lease", RetryConfig.custom()
			.maxAttempts(10)
			.intervalFunction(IntervalFunction.of(Duration.ofMillis(50)))
			.retryOnException(StreamGuardClient::isTransient)
			.build());
		StreamGuardClient client = new StreamGuardClient(WebClient.builder(), TransportOptions.NONE,
				Duration.ofSeconds(5), retry);
		List<StreamEvent<String>> events = new CopyOnWriteArrayList<>();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		try (TestServer server = TestServer.start("streamguard.lease=500ms", "streamguard.drain.reconnect-delay=50ms")) {
			Disposable subscription = client.events("http://127.0.0.1:" + server.port() + "/streams/paced")
				.subscribe(events::add, errors::add);
			List<Ended> rotations = new ArrayList<>();
			try {
				while (rotations.size() < 2) {
					rotations.add(server.listener().awaitEnd(Duration.ofSeconds(5)));
				}
				int afterRotations = events.size();
				Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> events.size() >= afterRotations + 10);
			}
			finally {
				subscription.dispose();
			}
			assertThat(rotations).extracting(Ended::reason).containsOnly(TerminationReason.LEASE_EXPIRED);
			assertThat(rotations).allSatisfy((rotation) -> assertThat(rotation.stream().elementsSent()).isPositive());
		}
		assertThat(errors).as("errors of the subscription").isEmpty();
		for (int i = 0; i < events.size(); i++) {
			assertThat(events.get(i).data()).isEqualTo("p" + i);
			assertThat(events.get(i).id()).isEqualTo(Integer.toString(i));
		}
	}

	@Test
	void ndjsonOfAStreamSourceIsCutAtItsLeaseAndResumesFromItsLastPosition() throws Exception {
		try (TestServer server = TestServer.start("streamguard.lease=400ms")) {
			Lines first = readNdjson(server.port(), "/streams/paced?from=0");
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.LEASE_EXPIRED);
			// Cut, never completed: an NDJSON client cannot mistake the rotation for the end.
			assertThat(first.cleanEnd()).isFalse();
			assertThat(first.positions()).isNotEmpty();
			long last = first.positions().get(first.positions().size() - 1);
			Lines resumed = readNdjson(server.port(), "/streams/paced?from=" + (last + 1));
			assertThat(resumed.positions()).startsWith(last + 1, last + 2);
		}
	}

	@Test
	void applicationNdjsonAndByteStreamsAreNeverRotated() throws Exception {
		try (TestServer server = TestServer.start("streamguard.lease=300ms")) {
			SseClient.Result ndjson = SseClient.read(server.port(), "/test/ndjson/late?ms=800", 100);
			Ended ndjsonEnd = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(ndjsonEnd.reason()).isEqualTo(TerminationReason.COMPLETED);
			assertThat(ndjson.cleanEnd()).isTrue();
			SseClient.Result bytes = SseClient.read(server.port(), "/test/bulk/late?ms=800", 100);
			assertThat(server.listener().awaitEnd(Duration.ofSeconds(2)).reason()).isEqualTo(TerminationReason.COMPLETED);
			assertThat(bytes.cleanEnd()).isTrue();
			server.listener().clear();
			// A byte source could resume with Range, but a cut download looks truncated to most clients.
			SseClient.read(server.port(), "/streams/blob", 1);
			LiveStream blob = server.listener().awaitStart(Duration.ofSeconds(2));
			assertThat(blob.route()).isEqualTo("/streams/blob");
			assertThat(blob.policy().lease()).isNull();
		}
	}

	private static Lines readNdjson(int port, String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.header("Accept", "application/x-ndjson")
			.timeout(Duration.ofSeconds(10))
			.build();
		HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient()
			.send(request, HttpResponse.BodyHandlers.ofInputStream());
		List<Long> positions = new ArrayList<>();
		boolean cleanEnd = false;
		try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
			for (String line = reader.readLine(); line != null && positions.size() < 1000; line = reader.readLine()) {
				Matcher matcher = POSITION.matcher(line);
				if (matcher.find()) {
					positions.add(Long.parseLong(matcher.group(1)));
				}
			}
			cleanEnd = positions.size() < 1000;
		}
		catch (IOException ex) {
			// Cut short.
		}
		return new Lines(positions, cleanEnd);
	}

	private record Lines(List<Long> positions, boolean cleanEnd) {
	}

}
