package dev.streamguard.demo;

import java.time.Duration;
import java.time.Instant;

import dev.streamguard.stream.Deadline;
import dev.streamguard.stream.StreamWriters;
import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The demo's streams. Nothing here knows about StreamGuard except the blocking producer, which
 * uses the write/wait API.
 */
@RestController
@RequestMapping("/demo")
class DemoController {

	private static final int CHUNK = 64 * 1024;

	private final DataBufferFactory buffers = DefaultDataBufferFactory.sharedInstance;

	/**
	 * A tick every 100 ms, as server-sent events whose id is the tick's sequence number.
	 */
	@GetMapping(path = "/ticks", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<Tick>> ticks() {
		return Flux.interval(Duration.ofMillis(100))
			// A clock does not wait for slow readers: keep the newest tick while the window is full.
			.onBackpressureLatest()
			.map((seq) -> ServerSentEvent.builder(new Tick(seq, Instant.now()))
				.id(Long.toString(seq))
				.event("tick")
				.build());
	}

	/**
	 * Records from a blocking producer, one JSON object per line. The producer waits for room in
	 * the stream's write window with an absolute deadline, like brpc's StreamWait.
	 */
	@GetMapping(path = "/records", produces = MediaType.APPLICATION_NDJSON_VALUE)
	Flux<Record> records(@RequestParam(defaultValue = "1000000") String count) {
		long total = BulkRequests.parseCount(count);
		return StreamWriters.flux((writer) -> {
			for (long seq = 0; seq < total; seq++) {
				writer.write(new Record(seq, "record-" + seq), Deadline.after(Duration.ofSeconds(30)));
			}
		});
	}

	/**
	 * Deterministic bytes of any size: byte {@code i} of the body is {@code i % 251}.
	 */
	@GetMapping(path = "/bulk", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	Flux<DataBuffer> bulk(@RequestParam(defaultValue = "1GB") String size) {
		long total = BulkRequests.parseSize(size);
		return Flux.generate(() -> 0L, (offset, sink) -> {
			if (offset >= total) {
				sink.complete();
				return offset;
			}
			int length = (int) Math.min(CHUNK, total - offset);
			sink.next(this.buffers.wrap(BulkRequests.pattern(offset, length)));
			return offset + length;
		});
	}

	record Tick(long seq, Instant at) {
	}

	record Record(long seq, String name) {
	}

}
