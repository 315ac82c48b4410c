package dev.streamguard.actuate;

import java.time.Duration;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamGate;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.Http;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.SseClient;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code streams} health indicator and endpoint, read by a real client while streams run.
 */
class StreamsActuatorTests {

	private static final String[] ACTUATOR = { "management.endpoints.web.exposure.include=health,streams",
			"management.endpoint.health.show-details=always", "management.endpoint.health.probes.enabled=true",
			"management.endpoint.health.group.readiness.show-details=always" };

	@Test
	void healthShowsABlockedStreamAndReadinessRefusesWhileDraining() throws Exception {
		try (TestServer server = start("streamguard.stall-timeout=30s", "streamguard.window.high=64KB",
				"streamguard.window.low=16KB")) {
			try (RawHttp client = RawHttp.get(server.port(), "/test/bulk", 64 * 1024)) {
				LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(5));
				client.read(1024 * 1024);
				Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> stream.state() == LiveStream.State.BLOCKED);
				Http.Response health = Http.get(server.port(), "/actuator/health/streams");
				assertThat(health.status()).isEqualTo(200);
				JsonNode details = health.json().get("details");
				assertThat(health.json().get("status").asString()).isEqualTo("UP");
				assertThat(details.get("live").asInt()).isOne();
				assertThat(details.get("blocked").asInt()).isOne();
				assertThat(details.get("oldestAgeMillis").asLong()).isPositive();
				assertThat(details.get("transport").get("kind").asString()).isEqualTo("EPOLL");
				assertThat(details.get("transport").get("userTimeoutMillis").asLong()).isEqualTo(30_000);
				assertThat(Http.get(server.port(), "/actuator/health/readiness").status()).isEqualTo(200);

				server.context().getBean(StreamGate.class).startDraining();
				Http.Response readiness = Http.get(server.port(), "/actuator/health/readiness");
				assertThat(readiness.status()).isEqualTo(503);
				assertThat(readiness.json().get("status").asString()).isEqualTo("OUT_OF_SERVICE");
				assertThat(readiness.json().get("components").get("streams").get("status").asString())
					.isEqualTo("OUT_OF_SERVICE");
				assertThat(Http.get(server.port(), "/actuator/health/liveness").status()).isEqualTo(200);
			}
		}
	}

	@Test
	void readinessRefusesAtTheStreamLimit() throws Exception {
		try (TestServer server = start("streamguard.max-streams=1")) {
			CompletableFuture<SseClient.Result> client = CompletableFuture
				.supplyAsync(() -> read(server, "/test/sse/ticks?ms=100", 30));
			server.listener().awaitStart(Duration.ofSeconds(5));
			Http.Response readiness = Http.get(server.port(), "/actuator/health/readiness");
			assertThat(readiness.status()).isEqualTo(503);
			assertThat(readiness.json().get("components").get("streams").get("details").get("refusing").asString())
				.contains("limit of 1");
			client.join();
		}
	}

	@Test
	void endpointListsLiveStreamsWithTransportFiguresButNoAddresses() throws Exception {
		try (TestServer server = start()) {
			CompletableFuture<SseClient.Result> client = CompletableFuture
				.supplyAsync(() -> read(server, "/test/sse/ticks?ms=20", 400));
			LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(5));
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> stream.elementsSent() > 5);
			Http.Response list = Http.get(server.port(), "/actuator/streams");
			assertThat(list.status()).isEqualTo(200);
			assertThat(list.json().get("count").asInt()).isOne();
			JsonNode listed = list.json().get("streams").get(0);
			assertThat(listed.get("id").asString()).isEqualTo(stream.id());
			assertThat(listed.get("route").asString()).isEqualTo("/test/sse/ticks");
			assertThat(listed.get("mediaType").asString()).isEqualTo("text/event-stream");
			assertThat(listed.get("elements").asLong()).isPositive();
			assertThat(listed.get("bytes").asLong()).isPositive();
			assertThat(listed.get("writable").asBoolean()).isTrue();
			assertThat(listed.get("state").asString()).isEqualTo("ACTIVE");
			assertThat(listed.get("tcp").get("rttMicros").asLong()).isPositive();
			assertThat(listed.has("remoteAddress") && !listed.get("remoteAddress").isNull()).isFalse();

			Http.Response one = Http.get(server.port(), "/actuator/streams/" + stream.id());
			assertThat(one.status()).isEqualTo(200);
			assertThat(one.json().get("id").asString()).isEqualTo(stream.id());
			assertThat(Http.get(server.port(), "/actuator/streams/no-such-stream").status()).isEqualTo(404);
			assertThat(Http.delete(server.port(), "/actuator/streams/" + stream.id()).status()).isEqualTo(405);
			assertThat(stream.terminationReason()).isEmpty();
			client.join();
		}
	}

	@Test
	void remoteAddressesAreShownWhenShowDetailsAllows() throws Exception {
		try (TestServer server = start("management.endpoint.streams.show-details=always")) {
			CompletableFuture<SseClient.Result> client = CompletableFuture
				.supplyAsync(() -> read(server, "/test/sse/ticks?ms=50", 20));
			LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(5));
			Http.Response one = Http.get(server.port(), "/actuator/streams/" + stream.id());
			assertThat(one.json().get("remoteAddress").asString()).contains("127.0.0.1");
			client.join();
		}
	}

	@Test
	void operatorEndsAStreamAndTheClientSeesTheClose() throws Exception {
		try (TestServer server = start("management.endpoint.streams.access=unrestricted")) {
			CompletableFuture<SseClient.Result> client = CompletableFuture
				.supplyAsync(() -> read(server, "/test/sse/ticks?ms=50", 100_000));
			LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(5));
			Http.Response deleted = Http.delete(server.port(), "/actuator/streams/" + stream.id());
			assertThat(deleted.status()).isEqualTo(200);
			assertThat(deleted.json().get("ended").asBoolean()).isTrue();
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(2));
			assertThat(ended.reason()).isEqualTo(TerminationReason.CLOSED_BY_OPERATOR);
			SseClient.Result result = client.get(5, java.util.concurrent.TimeUnit.SECONDS);
			assertThat(result.lines()).containsSubsequence("event: end", "data: closed-by-operator");
			assertThat(result.cleanEnd()).isTrue();
			// Gone: nothing to end, no body.
			assertThat(Http.delete(server.port(), "/actuator/streams/" + stream.id()).status()).isEqualTo(204);
		}
	}

	@Test
	void endpointIsNotReachableOverHttpUnlessExposed() throws Exception {
		try (TestServer server = TestServer.start()) {
			assertThat(Http.get(server.port(), "/actuator/streams").status()).isEqualTo(404);
			assertThat(Http.get(server.port(), "/actuator/health").status()).isEqualTo(200);
		}
	}

	private static TestServer start(String... more) {
		String[] all = new String[ACTUATOR.length + more.length];
		System.arraycopy(ACTUATOR, 0, all, 0, ACTUATOR.length);
		System.arraycopy(more, 0, all, ACTUATOR.length, more.length);
		return TestServer.start(all);
	}

	private static SseClient.Result read(TestServer server, String path, int lines) {
		try {
			return SseClient.read(server.port(), path, lines);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
