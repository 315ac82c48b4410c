package dev.streamguard.bench;

import dev.streamguard.source.ByteSource;
import reactor.core.publisher.Flux;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The server under benchmark: an octet stream of any size from one reused chunk, so that the
 * producer costs next to nothing and the transport path is what is measured; with
 * {@code bench.file}, that file as byte sources too.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import({ BenchServer.Streams.class, BenchServer.FileSources.class })
public class BenchServer {

	static final int CHUNK = 64 * 1024;

	/**
	 * The property that makes the server speak HTTP/2 too: in clear text, h2c (prior knowledge
	 * or upgrade) next to HTTP/1.1 on the same port.
	 */
	static final String HTTP2 = "server.http2.enabled=true";

	/** Bytes of one event of {@code /bench/events} on the wire: {@code data:} 13 digits, two newlines. */
	static final int EVENT_BYTES = 20;

	/**
	 * Start a server on a random port of 127.0.0.1.
	 * @param guarded whether StreamGuard is on
	 * @return the running application
	 */
	public static ConfigurableApplicationContext start(boolean guarded, String... more) {
		java.util.List<String> properties = new java.util.ArrayList<>(java.util.List.of("server.port=0",
				"server.address=127.0.0.1", "spring.main.banner-mode=off", "logging.level.root=WARN",
				"streamguard.enabled=" + guarded, "streamguard.max-streams-per-client=0",
				"streamguard.stall-timeout=0",
				// Shutdown is not under benchmark: a server that still holds streams (a dead peer's,
				// when unguarded) is closed within a second, and its event loops wait no quiet period.
				"server.shutdown=immediate", "streamguard.drain.timeout=1s",
				"spring.reactor.netty.shutdown-quiet-period=0s"));
		properties.addAll(java.util.List.of(more));
		return new SpringApplicationBuilder(BenchServer.class).web(WebApplicationType.REACTIVE)
			.properties(properties.toArray(String[]::new))
			.run();
	}

	static int port(ConfigurableApplicationContext context) {
		return Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
	}

	/** Return the median of the given figures. */
	static double median(java.util.List<Double> values) {
		java.util.List<Double> sorted = new java.util.ArrayList<>(values);
		java.util.Collections.sort(sorted);
		return sorted.get(sorted.size() / 2);
	}

	/** Return the CPU time this process has used so far, in nanoseconds. */
	static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
			.getOperatingSystemMXBean()).getProcessCpuTime();
	}

	@RestController
	public static class Streams {

		private final byte[] chunk = new byte[CHUNK];

		/** When each bulk stream's upstream ended, for the dead-peer benchmark. */
		final java.util.Queue<Long> finished = new java.util.concurrent.ConcurrentLinkedQueue<>();

		@GetMapping(path = "/bench/bulk", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
		Flux<DataBuffer> bulk(@RequestParam long size) {
			return Flux.<DataBuffer, Long>generate(() -> 0L, (sent, sink) -> {
				if (sent >= size) {
					sink.complete();
					return sent;
				}
				int length = (int) Math.min(CHUNK, size - sent);
				sink.next(DefaultDataBufferFactory.sharedInstance.wrap(java.nio.ByteBuffer.wrap(this.chunk, 0, length)));
				return sent + length;
			}).doFinally((signal) -> this.finished.add(System.nanoTime()));
		}


		/** Streams of {@code /bench/ticks} now live. */
		final java.util.concurrent.atomic.AtomicInteger liveTicks = new java.util.concurrent.atomic.AtomicInteger();

		/** One event a second per stream, carrying the time it was sent. */
		@GetMapping(path = "/bench/ticks", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
		Flux<String> ticks() {
			return Flux.interval(java.time.Duration.ofSeconds(1))
				.onBackpressureLatest()
				.map((tick) -> Long.toString(System.currentTimeMillis()))
				.doOnSubscribe((subscription) -> this.liveTicks.incrementAndGet())
				.doFinally((signal) -> this.liveTicks.decrementAndGet());
		}

		/** Streams of {@code /bench/events} now live. */
		final java.util.concurrent.atomic.AtomicInteger liveEvents = new java.util.concurrent.atomic.AtomicInteger();

		/** Events of {@code /bench/events} emitted, all streams together. */
		final java.util.concurrent.atomic.AtomicLong eventsSent = new java.util.concurrent.atomic.AtomicLong();

		/**
		 * {@code count} events, one a second, each carrying the time it was sent in
		 * {@link #EVENT_BYTES} bytes; the stream then completes.
		 */
		@GetMapping(path = "/bench/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
		Flux<String> events(@RequestParam long count) {
			return Flux.interval(java.time.Duration.ofSeconds(1))
				.take(count)
				.map((tick) -> String.format("%013d", System.currentTimeMillis()))
				.doOnNext((event) -> this.eventsSent.incrementAndGet())
				.doOnSubscribe((subscription) -> this.liveEvents.incrementAndGet())
				.doFinally((signal) -> this.liveEvents.decrementAndGet());
		}

		/**
		 * {@code count} items of {@code size} bytes from a blocking producer that writes with
		 * {@code tryWrite} and waits with {@code awaitWritable}.
		 */
		@GetMapping(path = "/bench/writer", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
		Flux<DataBuffer> writer(@RequestParam long count, @RequestParam(defaultValue = "100") int size) {
			byte[] item = new byte[size];
			return dev.streamguard.stream.StreamWriters.<DataBuffer>flux((writer) -> {
				for (long i = 0; i < count; i++) {
					DataBuffer buffer = DefaultDataBufferFactory.sharedInstance.wrap(item);
					while (writer.tryWrite(buffer) == dev.streamguard.stream.WriteResult.FULL) {
						if (writer.awaitWritable(dev.streamguard.stream.Deadline.after(java.time.Duration.ofSeconds(30)))
								!= dev.streamguard.stream.WaitResult.WRITABLE) {
							return;
						}
					}
				}
			});
		}

		/** The same items from {@code Flux.create}, emitting only what was requested. */
		@GetMapping(path = "/bench/create", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
		Flux<DataBuffer> create(@RequestParam long count, @RequestParam(defaultValue = "100") int size) {
			byte[] item = new byte[size];
			return Flux.<DataBuffer>create((sink) -> {
				long[] sent = { 0 };
				sink.onRequest((n) -> {
					synchronized (sent) {
						for (long i = 0; i < n && sent[0] < count; i++, sent[0]++) {
							sink.next(DefaultDataBufferFactory.sharedInstance.wrap(item));
						}
						if (sent[0] == count) {
							sink.complete();
						}
					}
				});
			});
		}

		/** An endless stream of freshly allocated chunks, as real data would be. */
		@GetMapping(path = "/bench/fresh", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
		Flux<DataBuffer> fresh(@RequestParam(defaultValue = "8192") int chunk) {
			return Flux.generate((sink) -> sink.next(DefaultDataBufferFactory.sharedInstance.wrap(new byte[chunk])));
		}

	}

	/**
	 * The file named by {@code bench.file} as two byte sources: {@code file}, which the kernel
	 * may send, and {@code file-buffered}, the same bytes read through buffers.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty("bench.file")
	static class FileSources {

		@Bean
		ByteSource file(Environment environment) {
			return ByteSource.ofFile("file", java.nio.file.Path.of(environment.getRequiredProperty("bench.file")));
		}

		@Bean
		ByteSource fileBuffered(Environment environment) {
			ByteSource file = file(environment);
			return new ByteSource() {

				@Override
				public String name() {
					return "file-buffered";
				}

				@Override
				public long length() {
					return file.length();
				}

				@Override
				public Flux<DataBuffer> open(long offset, long count, DataBufferFactory buffers) {
					return file.open(offset, count, buffers);
				}

			};
		}

	}

}
