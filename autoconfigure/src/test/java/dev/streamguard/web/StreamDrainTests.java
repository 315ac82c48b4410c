package dev.streamguard.web;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.streamguard.stream.StreamGate;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.Http;
import dev.streamguard.test.Probe;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.RecordingListener;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.SseClient;
import dev.streamguard.test.TestServer;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Graceful drain on shutdown: new streams are refused, SSE clients hear "shutdown" and every
 * stream ends within the drain timeout, however many there are.
 */
class StreamDrainTests {

	@Test
	void thousandSseStreamsAreDrainedInTimeAndEveryClientSeesTheShutdownEvent() throws Exception {
		int clients = Integer.getInteger("drain.clients", 1000);
		TestServer server = TestServer.start("server.shutdown=graceful", "streamguard.drain.timeout=5s",
				"streamguard.max-streams-per-client=0",
				"streamguard.drain.reconnect-delay=1500ms", "streamguard.heartbeat.interval=0");
		// The clients get event loops of their own: the server's context disposes the global ones
		// when it stops, which would cut clients that have not read everything yet.
		ConnectionProvider connections = ConnectionProvider.newConnection();
		LoopResources loops = LoopResources.create("drain-client", 1, true);
		try {
			HttpClient client = HttpClient.create(connections)
				.runOn(loops)
				.baseUrl("http://127.0.0.1:" + server.port());
			List<Mono<String>> bodies = Flux.range(0, clients)
				.map((i) -> client.get().uri("/test/sse/ticks?ms=1000").responseContent().aggregate().asString().cache())
				.collectList()
				.block();
			bodies.forEach(Mono::subscribe);
			Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> server.registry().size() == clients);
			RecordingListener listener = server.listener();
			Probe probe = server.probe();
			long stopping = System.nanoTime();
			server.close();
			Duration stopped = Duration.ofNanos(System.nanoTime() - stopping);
			assertThat(stopped).isLessThan(Duration.ofSeconds(5 + 3));
			List<String> received = Flux.concat(bodies).collectList().block(Duration.ofSeconds(10));
			assertThat(received).hasSize(clients)
				.allSatisfy((body) -> assertThat(body).contains("event: end\nretry: 1500\ndata: server-shutdown"));
			Map<TerminationReason, Integer> reasons = new EnumMap<>(TerminationReason.class);
			for (int i = 0; i < clients; i++) {
				reasons.merge(listener.awaitEnd(Duration.ofSeconds(1)).reason(), 1, Integer::sum);
			}
			assertThat(reasons).containsExactly(Map.entry(TerminationReason.SERVER_SHUTDOWN, clients));
			assertThat(probe.finishes()).isEqualTo(clients);
		}
		finally {
			server.close();
			connections.dispose();
			loops.dispose();
		}
	}

	@Test
	void byteStreamMayRunUntilTheDrainTimeoutThenIsCut() throws Exception {
		TestServer server = TestServer.start("streamguard.drain.timeout=1s", "streamguard.heartbeat.interval=0");
		try (RawHttp client = RawHttp.get(server.port(), "/test/bulk", 64 * 1024)) {
			RecordingListener listener = server.listener();
			Probe probe = server.probe();
			listener.awaitStart(Duration.ofSeconds(5));
			client.read(256 * 1024);
			long stopping = System.nanoTime();
			server.close();
			Ended ended = listener.awaitEnd(Duration.ofSeconds(1));
			assertThat(ended.reason()).isEqualTo(TerminationReason.SERVER_SHUTDOWN);
			assertThat(Duration.ofNanos(ended.nanoTime() - stopping)).isBetween(Duration.ofMillis(900),
					Duration.ofMillis(2500));
			assertThat(probe.awaitFinish(Duration.ofSeconds(1))).isTrue();
		}
		finally {
			server.close();
		}
	}

	@Test
	void newStreamsAreRefusedWhileDrainingWithRetryAfterAndAProblem() throws Exception {
		try (TestServer server = TestServer.start("streamguard.drain.reconnect-delay=2s")) {
			server.context().getBean(StreamGate.class).startDraining();
			Http.Response response = Http.get(server.port(), "/test/sse/ticks");
			assertThat(response.status()).isEqualTo(503);
			assertThat(response.retryAfter()).isEqualTo("2");
			assertThat(response.contentType()).isEqualTo("application/problem+json");
			assertThat(response.json().get("status").asInt()).isEqualTo(503);
			assertThat(response.json().get("detail").asString()).contains("draining for shutdown");
			assertThat(response.json().get("instance").asString()).isEqualTo("/test/sse/ticks");
			assertThat(server.probe().finishes()).as("upstream never subscribed").isZero();
			assertThat(server.registry().size()).isZero();
			assertThat(server.context()
				.getBean(MeterRegistry.class)
				.get("streamguard.streams.ended")
				.tags("route", "/test/sse/ticks", "reason", "rejected")
				.counter()
				.count()).isOne();
		}
	}

	@Test
	void streamsBeyondTheLimitAreRefusedAndTheLimitIsFreedWhenOneEnds() throws Exception {
		try (TestServer server = TestServer.start("streamguard.max-streams=1")) {
			RawHttp first = RawHttp.get(server.port(), "/test/sse/ticks?ms=100", 64 * 1024);
			server.listener().awaitStart(Duration.ofSeconds(5));
			Http.Response refused = Http.get(server.port(), "/test/sse/ticks");
			assertThat(refused.status()).isEqualTo(503);
			assertThat(refused.json().get("detail").asString()).contains("limit of 1 live streams");
			first.reset();
			server.listener().awaitEnd(Duration.ofSeconds(2));
			SseClient.Result admitted = SseClient.read(server.port(), "/test/ndjson?count=3", 10);
			assertThat(admitted.status()).isEqualTo(200);
			assertThat(admitted.lines()).hasSize(3);
		}
	}

}
