package dev.streamguard.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.streamguard.autoconfigure.StreamGuardProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.context.LifecycleProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.io.ClassPathResource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM to the demo jar, started as a pod starts it ({@code java -jar} with the shipped
 * application.yml), while a download and an SSE client are live: the whole shutdown timeline,
 * bounded by the configured drain and shutdown phase timeouts. Runs after {@code package}, on the
 * repackaged jar.
 */
class ShutdownJarTests {

	/** What counts as "at once": well under the drain, and room for a busy machine. */
	private static final Duration AT_ONCE = Duration.ofSeconds(2);

	/** Room around the drain timeout for cutting the streams left at it. */
	private static final Duration CUT_SLACK = Duration.ofSeconds(2);

	/** Status of a JVM that ends on SIGTERM after its shutdown hooks ran: 128 + 15. */
	private static final int SIGTERM_EXIT_STATUS = 143;

	private static final long DOWNLOAD_SIZE = DataSize.ofGigabytes(1).toBytes();

	/**
	 * Log lines of Spring giving up on a shutdown phase (DefaultLifecycleProcessor), of the
	 * web server's graceful shutdown cut short, and of a bean that failed to stop.
	 */
	private static final List<String> GAVE_UP = List.of("Shutdown phase", "still running after timeout",
			"Graceful shutdown aborted", "Failed to shut down", "Failed to stop bean");

	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	@Test
	void sigtermDrainsLiveStreamsAndExitsWithinTheDrainAndShutdownPhaseTimeouts(@TempDir Path workDirectory)
			throws Exception {
		Binder config = shippedConfiguration();
		Duration drain = config.bind("streamguard.drain.timeout", Duration.class)
			.orElseGet(() -> new StreamGuardProperties().getDrain().getTimeout());
		Duration phase = config.bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
			.orElseGet(() -> new LifecycleProperties().getTimeoutPerShutdownPhase());
		int port = freePort();
		Path log = workDirectory.resolve("demo.log");
		Process demo = new ProcessBuilder(javaExecutable(), "-jar", demoJar(), "--server.port=" + port)
			.directory(workDirectory.toFile())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		try {
			awaitReady(demo, port, log);
			// A reader at a bounded rate keeps the download live for longer than the drain timeout.
			Download download = Download.start(this.client, uri(port, "/demo/bulk?size=1GB"));
			SseFrames sse = SseFrames.open(this.client, uri(port, "/demo/ticks"));
			awaitCondition(() -> download.bytes() > 0 && !sse.frames().isEmpty(), Duration.ofSeconds(10),
					"download and SSE stream live");

			long sigterm = System.nanoTime();
			demo.destroy(); // SIGTERM on Unix: the JVM runs Spring Boot's shutdown hook

			HttpResponse<String> readiness = awaitStatus(uri(port, "/actuator/health/readiness"), 503, AT_ONCE);
			assertThat(readiness.body()).contains("OUT_OF_SERVICE");
			assertThat(since(sigterm)).as("readiness out of service").isLessThan(AT_ONCE);

			HttpResponse<String> refused = get(uri(port, "/demo/bulk?size=1MB"));
			assertThat(refused.statusCode()).as("new stream while draining").isEqualTo(503);
			assertThat(refused.headers().firstValue("Retry-After")).isPresent();

			assertThat(sse.ended().get(AT_ONCE.toMillis(), TimeUnit.MILLISECONDS))
				.as("SSE response ends cleanly, without a failure")
				.isNull();
			assertThat(since(sigterm)).as("SSE stream ended").isLessThan(AT_ONCE);
			SseFrame last = sse.frames().get(sse.frames().size() - 1);
			assertThat(last.isShutdown()).as("last SSE frame %s says SERVER_SHUTDOWN", last).isTrue();
			assertThat(last.event()).as("shutdown frame's event name").isNotEqualTo("error");
			assertThat(sse.frames()).noneMatch((frame) -> "error".equals(frame.event()));

			download.ended().get(drain.plus(CUT_SLACK).toMillis(), TimeUnit.MILLISECONDS);
			Duration downloadEnded = since(sigterm);
			assertThat(downloadEnded).as("download ends by the drain timeout")
				.isLessThan(drain.plus(CUT_SLACK))
				.as("download may go on until the drain timeout")
				.isGreaterThan(drain.minus(CUT_SLACK));
			assertThat(download.bytes()).as("bytes of the download, cut by the drain").isLessThan(DOWNLOAD_SIZE);

			Duration bound = drain.plus(phase);
			assertThat(demo.waitFor(bound.minus(since(sigterm)).toMillis(), TimeUnit.MILLISECONDS))
				.as("process exits within drain timeout + shutdown phase timeout (%s)", bound)
				.isTrue();
			assertThat(demo.exitValue()).isEqualTo(SIGTERM_EXIT_STATUS);
			List<String> lines = Files.readAllLines(log);
			assertThat(lines).as("log of the demo").noneMatch((line) -> GAVE_UP.stream().anyMatch(line::contains));
			assertThat(lines).anyMatch((line) -> line.contains("Graceful shutdown complete"));
		}
		finally {
			demo.destroyForcibly();
		}
	}

	private static Binder shippedConfiguration() throws IOException {
		return new Binder(ConfigurationPropertySources.from(
				new YamlPropertySourceLoader().load("application.yml", new ClassPathResource("application.yml"))));
	}

	private void awaitReady(Process demo, int port, Path log) throws Exception {
		long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
		while (System.nanoTime() < deadline) {
			if (!demo.isAlive()) {
				throw new AssertionError("Demo exited with " + demo.exitValue() + " before it was ready:\n"
						+ Files.readString(log));
			}
			try {
				if (get(uri(port, "/actuator/health/readiness")).statusCode() == 200) {
					return;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			Thread.sleep(200);
		}
		throw new AssertionError("Demo not ready within 90s:\n" + Files.readString(log));
	}

	private HttpResponse<String> awaitStatus(URI uri, int status, Duration timeout) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		HttpResponse<String> response = get(uri);
		while (response.statusCode() != status && System.nanoTime() < deadline) {
			Thread.sleep(20);
			response = get(uri);
		}
		assertThat(response.statusCode()).as("status of %s", uri).isEqualTo(status);
		return response;
	}

	private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
		// a stream that was not refused would never end: bound the wait
		return this.client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private static void awaitCondition(java.util.function.BooleanSupplier condition, Duration timeout,
			String description) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("Not within " + timeout + ": " + description);
			}
			Thread.sleep(20);
		}
	}

	private static Duration since(long nanos) {
		return Duration.ofNanos(System.nanoTime() - nanos);
	}

	private static URI uri(int port, String path) {
		return URI.create("http://localhost:" + port + path);
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	private static String javaExecutable() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	private static String demoJar() {
		String jar = System.getProperty("demo.jar");
		assertThat(jar).as("system property demo.jar: run this test with `verify`, after the jar is packaged")
			.isNotBlank();
		assertThat(Path.of(jar)).exists();
		return jar;
	}

	/**
	 * A download read at a bounded rate, on a thread of its own, until it ends.
	 */
	private static final class Download {

		/**
		 * Bytes per second read: too slow to finish before the drain timeout, fast enough that
		 * the socket buffers (some MB) hold well under a second of it, so that the client sees
		 * the cut about when the server makes it.
		 */
		private static final long READ_RATE = DataSize.ofMegabytes(16).toBytes();

		private final AtomicLong bytes = new AtomicLong();

		private final CompletableFuture<Void> ended = new CompletableFuture<>();

		static Download start(HttpClient client, URI uri) {
			Download download = new Download();
			Thread reader = new Thread(() -> download.read(client, uri), "download");
			reader.setDaemon(true);
			reader.start();
			return download;
		}

		private void read(HttpClient client, URI uri) {
			try (InputStream body = client.send(HttpRequest.newBuilder(uri).build(),
					HttpResponse.BodyHandlers.ofInputStream()).body()) {
				byte[] buffer = new byte[64 * 1024];
				long start = System.nanoTime();
				for (int read = body.read(buffer); read >= 0; read = body.read(buffer)) {
					long due = start + this.bytes.addAndGet(read) * 1_000_000_000L / READ_RATE;
					TimeUnit.NANOSECONDS.sleep(due - System.nanoTime());
				}
			}
			catch (IOException ex) {
				// a cut download ends with a failed read: that is an end too
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.ended.complete(null);
		}

		long bytes() {
			return this.bytes.get();
		}

		CompletableFuture<Void> ended() {
			return this.ended;
		}

	}

	/**
	 * The frames of one SSE response, read on a thread of its own; {@link #ended()} completes
	 * with {@code null} at a clean end of the response, or with the failure that ended it.
	 */
	private static final class SseFrames {

		private final List<SseFrame> frames = new CopyOnWriteArrayList<>();

		private final CompletableFuture<Throwable> ended = new CompletableFuture<>();

		static SseFrames open(HttpClient client, URI uri) {
			SseFrames sse = new SseFrames();
			Thread reader = new Thread(() -> sse.read(client, uri), "sse");
			reader.setDaemon(true);
			reader.start();
			return sse;
		}

		private void read(HttpClient client, URI uri) {
			try {
				HttpResponse<InputStream> response = client.send(
						HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").build(),
						HttpResponse.BodyHandlers.ofInputStream());
				try (BufferedReader reader = new BufferedReader(
						new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
					List<String> lines = new ArrayList<>();
					for (String line = reader.readLine(); line != null; line = reader.readLine()) {
						if (line.isEmpty()) {
							if (!lines.isEmpty()) {
								this.frames.add(SseFrame.of(lines));
							}
							lines = new ArrayList<>();
						}
						else {
							lines.add(line);
						}
					}
				}
				this.ended.complete(null);
			}
			catch (IOException | InterruptedException | UncheckedIOException ex) {
				this.ended.complete(ex);
			}
		}

		List<SseFrame> frames() {
			return this.frames;
		}

		CompletableFuture<Throwable> ended() {
			return this.ended;
		}

	}

	/**
	 * One SSE frame: its event name ({@code null} for the default) and its data lines joined.
	 */
	private record SseFrame(String event, String data) {

		static SseFrame of(List<String> lines) {
			String event = null;
			List<String> data = new ArrayList<>();
			for (String line : lines) {
				if (line.startsWith("event:")) {
					event = line.substring(6).trim();
				}
				else if (line.startsWith("data:")) {
					data.add(line.substring(5).trim());
				}
			}
			return new SseFrame(event, String.join("\n", data));
		}

		/**
		 * Whether the frame's data names the SERVER_SHUTDOWN reason, as the reason's name or its
		 * code ({@code server-shutdown}).
		 */
		boolean isShutdown() {
			return "SERVER_SHUTDOWN".equals(this.data.replace('-', '_').toUpperCase(Locale.ROOT));
		}

	}

}
