package dev.streamguard.resilience;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamGate;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.Http;
import dev.streamguard.test.NetNs;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.SseClient;
import dev.streamguard.test.TestServer;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resilience4j per route against a real server: refusals are problems with Retry-After, and
 * every way a stream ends gives its bulkhead permit back.
 */
class ResilienceTests {

	private static final String[] BULKHEAD = { "resilience4j.bulkhead.instances.streams.max-concurrent-calls=2",
			"resilience4j.bulkhead.instances.streams.max-wait-duration=0", "streamguard.resilience.bulkhead=streams",
			"streamguard.heartbeat.interval=0" };

	@Test
	void opensBeyondTheBulkheadAreRefusedAndEveryEndReturnsThePermit() throws Exception {
		try (TestServer server = TestServer.start(with(BULKHEAD, "streamguard.stall-timeout=500ms",
				"management.endpoint.streams.access=unrestricted"))) {
			Bulkhead bulkhead = server.context().getBean(BulkheadRegistry.class).bulkhead("streams");
			// Two streams hold both permits: a third is refused.
			RawHttp first = RawHttp.get(server.port(), "/test/sse/ticks?ms=100", 64 * 1024);
			RawHttp second = RawHttp.get(server.port(), "/test/bulk", 64 * 1024);
			server.listener().awaitStart(Duration.ofSeconds(5));
			server.listener().awaitStart(Duration.ofSeconds(5));
			LiveStream ticks = server.registry()
				.streams()
				.stream()
				.filter((stream) -> stream.route().equals("/test/sse/ticks"))
				.findFirst()
				.orElseThrow();
			Http.Response refused = Http.get(server.port(), "/test/sse/ticks");
			assertThat(refused.status()).isEqualTo(503);
			assertThat(refused.retryAfter()).isEqualTo("1");
			assertThat(refused.contentType()).isEqualTo("application/problem+json");
			assertThat(refused.json().get("detail").asString()).contains("bulkhead 'streams'");
			assertThat(server.context()
				.getBean(MeterRegistry.class)
				.get("streamguard.streams.ended")
				.tag("reason", "rejected")
				.counter()
				.count()).isOne();
			// Stall: the bulk client does not read.
			second.read(1024);
			assertReason(server, TerminationReason.STALLED);
			// Operator close.
			assertThat(ticks.end(TerminationReason.CLOSED_BY_OPERATOR)).isTrue();
			assertReason(server, TerminationReason.CLOSED_BY_OPERATOR);
			first.close();
			second.close();
			Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> available(bulkhead) == 2);
			// Completion.
			SseClient.read(server.port(), "/test/ndjson?count=2", 10);
			assertReason(server, TerminationReason.COMPLETED);
			// Client reset.
			RawHttp reset = RawHttp.get(server.port(), "/test/bulk", 64 * 1024);
			server.listener().awaitStart(Duration.ofSeconds(5));
			reset.read(1024);
			reset.reset();
			assertReason(server, TerminationReason.CLIENT_CLOSED);
			Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> available(bulkhead) == 2);
			assertNoResponseLeftOpen(server);
		}
	}

	@Test
	void silentPeerReleasesItsPermit() throws Exception {
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = TestServer.start(with(BULKHEAD, "streamguard.transport.user-timeout=2s",
						"server.address=" + ns.hostAddress()))) {
			Bulkhead bulkhead = server.context().getBean(BulkheadRegistry.class).bulkhead("streams");
			ns.start("curl", "-sN", "--max-time", "60", "-o", "/dev/null",
					"http://" + ns.hostAddress() + ":" + server.port() + "/test/bulk");
			LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(15));
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stream.bytesSent() > 1024 * 1024);
			assertThat(available(bulkhead)).isOne();
			ns.cut();
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(6));
			assertThat(ended.reason()).isEqualTo(TerminationReason.PEER_UNRESPONSIVE);
			Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> available(bulkhead) == 2);
			assertNoResponseLeftOpen(server);
		}
	}

	@Test
	void thousandOpenCloseCyclesWithMixedEndsLeaveEveryPermitAvailable() throws Exception {
		try (TestServer server = TestServer.start(with(BULKHEAD,
				"resilience4j.bulkhead.instances.streams.max-concurrent-calls=8"))) {
			Bulkhead bulkhead = server.context().getBean(BulkheadRegistry.class).bulkhead("streams");
			ExecutorService clients = Executors.newFixedThreadPool(8);
			List<Future<Integer>> results = new ArrayList<>();
			for (int i = 0; i < 1000; i++) {
				int cycle = i;
				results.add(clients.submit(() -> cycle(server, cycle)));
			}
			int refused = 0;
			for (Future<Integer> result : results) {
				refused += (result.get() == 503) ? 1 : 0;
			}
			clients.shutdown();
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.registry().size() == 0);
			assertThat(available(bulkhead)).isEqualTo(8);
			assertThat(server.context().getBean(StreamGate.class).isSaturated()).isFalse();
			assertThat(server.probe().finishes()).isEqualTo(1000 - refused);
			assertNoResponseLeftOpen(server);
		}
	}

	/**
	 * Every streaming response counts as open until its exchange ends; a drain waits for them.
	 */
	private static void assertNoResponseLeftOpen(TestServer server) {
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.registry().openResponses() == 0);
	}

	private static int cycle(TestServer server, int cycle) throws Exception {
		switch (cycle % 3) {
			case 0 -> {
				return SseClient.read(server.port(), "/test/ndjson?count=3", 10).status();
			}
			case 1 -> {
				RawHttp client = RawHttp.get(server.port(), "/test/bulk", 64 * 1024);
				client.read(200);
				client.reset();
				return 200;
			}
			default -> {
				return Http.get(server.port(), "/test/sse/failing").status();
			}
		}
	}

	@Test
	void rateLimiterBoundsStreamOpensWithTooManyRequests() throws Exception {
		try (TestServer server = TestServer.start("resilience4j.ratelimiter.instances.opens.limit-for-period=2",
				"resilience4j.ratelimiter.instances.opens.limit-refresh-period=30s",
				"resilience4j.ratelimiter.instances.opens.timeout-duration=0",
				"streamguard.routes[/test/ndjson].resilience.rate-limiter=opens")) {
			assertThat(SseClient.read(server.port(), "/test/ndjson?count=1", 10).status()).isEqualTo(200);
			assertThat(SseClient.read(server.port(), "/test/ndjson?count=1", 10).status()).isEqualTo(200);
			Http.Response limited = Http.get(server.port(), "/test/ndjson?count=1");
			assertThat(limited.status()).isEqualTo(429);
			assertThat(Long.parseLong(limited.retryAfter())).isBetween(1L, 30L);
			assertThat(limited.json().get("detail").asString()).contains("rate limiter 'opens'");
			// Other routes are not limited.
			assertThat(Http.get(server.port(), "/test/sse/late?ms=0").status()).isEqualTo(200);
		}
	}

	@Test
	void circuitOpensOnFailingSourceButNotOnClientsThatLeave() throws Exception {
		try (TestServer server = TestServer.start(
				"resilience4j.circuitbreaker.instances.source.sliding-window-size=2",
				"resilience4j.circuitbreaker.instances.source.minimum-number-of-calls=2",
				"resilience4j.circuitbreaker.instances.source.failure-rate-threshold=50",
				"resilience4j.circuitbreaker.instances.source.wait-duration-in-open-state=30s",
				"streamguard.resilience.circuit-breaker=source")) {
			CircuitBreaker breaker = server.context().getBean(CircuitBreakerRegistry.class).circuitBreaker("source");
			// A client that leaves before the first element is not the source's fault.
			RawHttp leaving = RawHttp.get(server.port(), "/test/sse/late?ms=5000", 64 * 1024);
			server.listener().awaitStart(Duration.ofSeconds(5));
			leaving.reset();
			assertReason(server, TerminationReason.CLIENT_CLOSED);
			assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
			assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
			// Two failing opens open the circuit.
			Http.get(server.port(), "/test/sse/failing");
			Http.get(server.port(), "/test/sse/failing");
			Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> breaker.getState() == CircuitBreaker.State.OPEN);
			Http.Response refused = Http.get(server.port(), "/test/sse/ticks");
			assertThat(refused.status()).isEqualTo(503);
			assertThat(refused.json().get("detail").asString()).contains("circuit breaker 'source' is OPEN");
			assertThat(refused.retryAfter()).isEqualTo("30");
		}
	}

	@Test
	void timeLimiterBoundsTheTimeToTheFirstElement() throws Exception {
		try (TestServer server = TestServer.start("resilience4j.timelimiter.instances.first.timeout-duration=300ms",
				"streamguard.routes[/test/sse/late].resilience.time-limiter=first")) {
			SseClient.Result result = SseClient.read(server.port(), "/test/sse/late?ms=5000", 20);
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(3));
			assertThat(ended.reason()).isEqualTo(TerminationReason.FIRST_ELEMENT_TIMEOUT);
			assertThat(ended.stream().policy().firstElementTimeout()).isEqualTo(Duration.ofMillis(300));
			assertThat(result.lines()).contains("data: first-element-timeout");
		}
	}

	private static void assertReason(TestServer server, TerminationReason reason) throws Exception {
		assertThat(server.listener().awaitEnd(Duration.ofSeconds(3)).reason()).isEqualTo(reason);
	}

	private static int available(Bulkhead bulkhead) {
		return bulkhead.getMetrics().getAvailableConcurrentCalls();
	}

	private static String[] with(String[] base, String... more) {
		List<String> all = new ArrayList<>(List.of(base));
		all.addAll(List.of(more));
		return all.toArray(String[]::new);
	}

}
