package dev.streamguard.test;

import java.time.Instant;
import java.util.Optional;

import dev.streamguard.source.ByteSource;
import dev.streamguard.source.Positioned;
import dev.streamguard.source.StreamSource;
import reactor.core.publisher.Flux;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.ETag;

/**
 * Deterministic sources for resume tests: the same position always carries the same item.
 */
@Configuration(proxyBeanMethods = false)
public class TestSources {

	public static final int NUMBERS = 2000;

	public static final int BLOB_LENGTH = 4 * 1024 * 1024 + 17;

	public static final ETag BLOB_TAG = new ETag("blob-v1", false);

	public static final Instant BLOB_MODIFIED = Instant.parse("2026-01-01T00:00:00Z");

	@Bean
	StreamSource<String> numbers() {
		return new StreamSource<>() {

			@Override
			public String name() {
				return "numbers";
			}

			@Override
			public Flux<Positioned<String>> open(long from) {
				return Flux.range((int) Math.min(from, NUMBERS), (int) Math.max(0, NUMBERS - from))
					.map((i) -> new Positioned<>(i, "n" + i));
			}

		};
	}

	/** An endless source, one item every 10 ms, paced by demand. */
	@Bean
	StreamSource<String> paced() {
		return new StreamSource<>() {

			@Override
			public String name() {
				return "paced";
			}

			@Override
			public Flux<Positioned<String>> open(long from) {
				return Flux.<Long, Long>generate(() -> from, (next, sink) -> {
					sink.next(next);
					return next + 1;
				}).delayElements(java.time.Duration.ofMillis(10)).map((i) -> new Positioned<>(i, "p" + i));
			}

		};
	}

	@Bean
	ByteSource blob() {
		return new ByteSource() {

			@Override
			public String name() {
				return "blob";
			}

			@Override
			public long length() {
				return BLOB_LENGTH;
			}

			@Override
			public Optional<ETag> entityTag() {
				return Optional.of(BLOB_TAG);
			}

			@Override
			public Optional<Instant> lastModified() {
				return Optional.of(BLOB_MODIFIED);
			}

			@Override
			public Flux<DataBuffer> open(long offset, long count, DataBufferFactory buffers) {
				int chunk = 16 * 1024;
				return Flux.generate(() -> offset, (next, sink) -> {
					long end = offset + count;
					if (next >= end) {
						sink.complete();
						return next;
					}
					int size = (int) Math.min(chunk, end - next);
					byte[] bytes = new byte[size];
					for (int i = 0; i < size; i++) {
						bytes[i] = byteAt(next + i);
					}
					sink.next(buffers.wrap(bytes));
					return next + size;
				});
			}

		};
	}

	public static byte byteAt(long position) {
		return (byte) ((position * 31 + 7) % 253);
	}

}
