package dev.streamguard.demo;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import dev.streamguard.source.ByteSource;
import dev.streamguard.source.Positioned;
import dev.streamguard.source.StreamSource;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.ETag;
import org.springframework.util.unit.DataSize;

/**
 * Resumable sources, served by StreamGuard at /streams/{name}: a tick feed (SSE with
 * Last-Event-ID, or NDJSON with ?from=) and a download of deterministic bytes (HTTP ranges and
 * an entity tag, so curl -C - and a browser's download manager resume it).
 */
@Configuration(proxyBeanMethods = false)
class DemoSources {

	private static final int CHUNK = 64 * 1024;

	/**
	 * Tick {@code n} is always the same tick: a client that resumes after tick 41 gets tick 42
	 * next, from any instance. Paced by demand, so a slow reader slows its ticks down instead of
	 * losing them.
	 */
	@Bean
	StreamSource<Tick> ticks(@Value("${demo.ticks.period:100ms}") Duration period) {
		return new StreamSource<>() {

			@Override
			public String name() {
				return "ticks";
			}

			@Override
			public Flux<Positioned<Tick>> open(long from) {
				return Flux.<Long, Long>generate(() -> from, (seq, sink) -> {
					sink.next(seq);
					return seq + 1;
				}).delayElements(period).map((seq) -> new Positioned<>(seq, new Tick(seq, Instant.now())));
			}

		};
	}

	@Bean
	ByteSource bulk(@Value("${demo.bulk.size:1GB}") DataSize size) {
		return new ByteSource() {

			@Override
			public String name() {
				return "bulk";
			}

			@Override
			public long length() {
				return size.toBytes();
			}

			/**
			 * The bytes are a function of their offset alone, so the size names them: a client
			 * resuming with If-Range after the size was changed gets the whole new body.
			 */
			@Override
			public Optional<ETag> entityTag() {
				return Optional.of(new ETag("bulk-" + size.toBytes(), false));
			}

			@Override
			public Flux<DataBuffer> open(long offset, long count, DataBufferFactory buffers) {
				return pattern(offset, count, buffers);
			}

		};
	}

	/** Return {@code count} pattern bytes from {@code offset}, a chunk per request. */
	static Flux<DataBuffer> pattern(long offset, long count, DataBufferFactory buffers) {
		long end = offset + count;
		return Flux.generate(() -> offset, (next, sink) -> {
			if (next >= end) {
				sink.complete();
				return next;
			}
			int length = (int) Math.min(CHUNK, end - next);
			sink.next(buffers.wrap(BulkRequests.pattern(next, length)));
			return next + length;
		});
	}

	record Tick(long seq, Instant at) {
	}

}
