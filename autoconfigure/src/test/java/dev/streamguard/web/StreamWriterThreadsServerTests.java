package dev.streamguard.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.Http;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.TestServer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Blocking producers of many slow streams run on threads of their own: they neither starve
 * each other nor the Actuator operations that share Reactor's bounded elastic scheduler, and a
 * stream beyond a bounded pool is refused at once instead of waiting without a word.
 */
class StreamWriterThreadsServerTests {

	private static final int STREAMS = 40;

	private static final String[] SERVER = { "streamguard.stall-timeout=0", "streamguard.heartbeat.interval=0",
			"streamguard.window.low=8KB", "streamguard.window.high=16KB", "streamguard.max-streams-per-client=0",
			"management.endpoint.health.probes.enabled=true", "management.endpoint.health.show-details=always",
			"management.endpoints.web.exposure.include=health,streams" };

	@Test
	void fortyWriterStreamsWithSlowReadersAllStartAndLivenessAnswersWithinASecond() throws Exception {
		try (TestServer server = TestServer.start(SERVER); LivenessProbe probe = new LivenessProbe(server.port())) {
			List<RawHttp> clients = new ArrayList<>();
			try {
				long start = System.nanoTime();
				for (int i = 0; i < STREAMS; i++) {
					clients.add(RawHttp.get(server.port(), "/test/writer/records", 4 * 1024));
				}
				List<String> statusLines = statusLines(clients, start + Duration.ofSeconds(10).toNanos());
				Duration allStarted = Duration.ofNanos(System.nanoTime() - start);
				assertThat(statusLines).as("status lines within 10 s; liveness: %s", probe.summary())
					.hasSize(STREAMS)
					.allMatch((line) -> line.startsWith("HTTP/1.1 200"));
				readSlowly(clients, Duration.ofSeconds(2));
				JsonNode writers = Http.get(server.port(), "/actuator/health").json().at("/components/streams/details/writers");
				assertThat(writers.get("active").asInt()).isEqualTo(STREAMS);
				if (Runtime.version().feature() >= 21) {
					assertThat(writers.get("threads").asString()).isEqualTo("virtual");
				}
				else {
					assertThat(writers.get("threads").asString()).isEqualTo("platform");
					assertThat(writers.get("maxThreads").asInt()).isGreaterThanOrEqualTo(STREAMS);
				}
				System.out.printf("%d writer streams started in %d ms on %s threads; liveness: %s%n", STREAMS,
						allStarted.toMillis(), writers.get("threads").asString(), probe.summary());
			}
			finally {
				closeAll(clients);
			}
			probe.assertAllAnsweredWithin(Duration.ofSeconds(1));
		}
	}

	@Test
	void writerStreamsBeyondABoundedPoolAreRefusedWith503AndRetryAfter() throws Exception {
		List<String> properties = new ArrayList<>(List.of(SERVER));
		properties.addAll(List.of("streamguard.writer.virtual-threads=false", "streamguard.writer.max-threads=20"));
		try (TestServer server = TestServer.start(properties.toArray(String[]::new));
				LivenessProbe probe = new LivenessProbe(server.port())) {
			List<RawHttp> clients = new ArrayList<>();
			try {
				for (int i = 0; i < STREAMS / 2; i++) {
					RawHttp client = RawHttp.get(server.port(), "/test/writer/records", 4 * 1024);
					clients.add(client);
					assertThat(client.readStatusLine()).startsWith("HTTP/1.1 200");
				}
				for (int i = 0; i < STREAMS / 2; i++) {
					Http.Response refused = Http.get(server.port(), "/test/writer/records");
					assertThat(refused.status()).isEqualTo(503);
					assertThat(refused.retryAfter()).isEqualTo("1");
					assertThat(refused.contentType()).isEqualTo("application/problem+json");
					assertThat(refused.json().get("detail").asString()).contains("20 writer threads are busy");
				}
				readSlowly(clients, Duration.ofSeconds(1));
				List<TerminationReason> reasons = new ArrayList<>();
				for (Ended ended; (ended = server.listener().pollEnd(Duration.ofMillis(500))) != null;) {
					reasons.add(ended.reason());
				}
				assertThat(reasons).hasSize(STREAMS / 2).containsOnly(TerminationReason.REJECTED);
				MeterRegistry meters = server.context().getBean(MeterRegistry.class);
				assertThat(meters.get("streamguard.writer.refused").functionCounter().count()).isEqualTo(STREAMS / 2);
				assertThat(meters.get("streamguard.writer.threads.active").gauge().value()).isEqualTo(STREAMS / 2);
				assertThat(meters.get("streamguard.writer.threads.max").gauge().value()).isEqualTo(20);
				JsonNode writers = Http.get(server.port(), "/actuator/health").json().at("/components/streams/details/writers");
				assertThat(writers.get("threads").asString()).isEqualTo("platform");
				assertThat(writers.get("refused").asInt()).isEqualTo(STREAMS / 2);
			}
			finally {
				closeAll(clients);
			}
			probe.assertAllAnsweredWithin(Duration.ofSeconds(1));
			// Threads come back when their streams end: a new stream is served again.
			awaitNoActiveWriters(server);
			try (RawHttp again = RawHttp.get(server.port(), "/test/writer/records", 4 * 1024)) {
				assertThat(again.readStatusLine()).startsWith("HTTP/1.1 200");
			}
		}
	}

	/** Read every client's status line in parallel, until the deadline. */
	private static List<String> statusLines(List<RawHttp> clients, long deadlineNanos) throws Exception {
		ExecutorService readers = Executors.newFixedThreadPool(clients.size());
		try {
			List<Future<String>> lines = new ArrayList<>();
			for (RawHttp client : clients) {
				lines.add(readers.submit(client::readStatusLine));
			}
			List<String> result = new ArrayList<>();
			for (Future<String> line : lines) {
				try {
					result.add(line.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS));
				}
				catch (TimeoutException | ExecutionException ex) {
					result.add("no status line: " + ex);
				}
			}
			return result;
		}
		finally {
			readers.shutdownNow();
		}
	}

	private static void awaitNoActiveWriters(TestServer server) throws Exception {
		MeterRegistry meters = server.context().getBean(MeterRegistry.class);
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		while (meters.get("streamguard.writer.threads.active").gauge().value() > 0 && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(meters.get("streamguard.writer.threads.active").gauge().value()).isZero();
	}

	/** Each client reads a little now and then: its producer spends most of its time waiting. */
	private static void readSlowly(List<RawHttp> clients, Duration duration) throws Exception {
		long end = System.nanoTime() + duration.toNanos();
		while (System.nanoTime() < end) {
			for (RawHttp client : clients) {
				client.readSome(512);
			}
			Thread.sleep(200);
		}
	}

	private static void closeAll(List<RawHttp> clients) throws IOException {
		for (RawHttp client : clients) {
			client.reset();
		}
	}

	/**
	 * Asks {@code /actuator/health/liveness} every 100 ms, as Kubernetes would, recording how
	 * long each answer took; a probe that gets no answer counts with its 5 s timeout.
	 */
	static final class LivenessProbe implements AutoCloseable {

		private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

		private final List<Long> latenciesMillis = new CopyOnWriteArrayList<>();

		private final List<String> failures = new CopyOnWriteArrayList<>();

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final Thread thread;

		LivenessProbe(int port) {
			HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/liveness"))
				.timeout(Duration.ofSeconds(5))
				.build();
			// One answer before the streams start, untimed: the first request to the endpoint and
			// the client's first connection load classes, as the kubelet's initial delay allows.
			try {
				this.client.send(request, HttpResponse.BodyHandlers.discarding());
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			this.thread = new Thread(() -> {
				while (this.running.get()) {
					long start = System.nanoTime();
					try {
						HttpResponse<String> response = this.client.send(request, HttpResponse.BodyHandlers.ofString());
						if (response.statusCode() != 200) {
							this.failures.add("status " + response.statusCode());
						}
					}
					catch (IOException ex) {
						this.failures.add(ex.toString());
					}
					catch (InterruptedException ex) {
						return;
					}
					this.latenciesMillis.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
					try {
						Thread.sleep(100);
					}
					catch (InterruptedException ex) {
						return;
					}
				}
			}, "liveness-probe");
			this.thread.start();
		}

		String summary() {
			return this.latenciesMillis.size() + " probes, max "
					+ this.latenciesMillis.stream().mapToLong(Long::longValue).max().orElse(-1) + " ms";
		}

		void assertAllAnsweredWithin(Duration limit) throws InterruptedException {
			close();
			assertThat(this.failures).isEmpty();
			assertThat(this.latenciesMillis).hasSizeGreaterThan(5);
			assertThat(this.latenciesMillis.stream().mapToLong(Long::longValue).max().orElseThrow())
				.as("slowest liveness probe (ms) of %s", this.latenciesMillis)
				.isLessThan(limit.toMillis());
		}

		@Override
		public void close() throws InterruptedException {
			this.running.set(false);
			this.thread.join(10_000);
		}

	}

}
