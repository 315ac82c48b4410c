package dev.streamguard.test;

import java.time.Duration;

import dev.streamguard.stream.Deadline;
import dev.streamguard.stream.StreamWriters;
import dev.streamguard.stream.WaitResult;
import dev.streamguard.stream.WriteResult;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Streams served by the test server; each reports its upstream's life to the {@link Probe}.
 */
@RestController
public class TestStreams {

	public static final int CHUNK = 64 * 1024;

	private final Probe probe;

	public TestStreams(Probe probe) {
		this.probe = probe;
	}

	/** An endless octet stream of 64 KB chunks, produced as fast as demand allows. */
	@GetMapping(path = "/test/bulk", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	Flux<DataBuffer> bulk() {
		byte[] chunk = new byte[CHUNK];
		return Flux.<DataBuffer>generate((sink) -> sink.next(DefaultDataBufferFactory.sharedInstance.wrap(chunk)))
			.doOnNext((buffer) -> this.probe.produced(buffer.readableByteCount()))
			.doFinally(this.probe::finish);
	}

	/** A plain JSON answer, which is not a stream. */
	@GetMapping(path = "/test/json", produces = MediaType.APPLICATION_JSON_VALUE)
	Mono<String> json() {
		return Mono.just("{\"plain\":true}");
	}

	/** SSE: one event, then silence. */
	@GetMapping(path = "/test/sse/quiet", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<String>> quiet() {
		return Flux.just(ServerSentEvent.builder("hello").id("0").build())
			.concatWith(Flux.never())
			.doFinally(this.probe::finish);
	}

	/**
	 * SSE: a live feed, an event of {@code size} bytes of data every {@code ms} milliseconds;
	 * events the client cannot take
	 * when they happen are dropped, as a live feed's would be.
	 */
	@GetMapping(path = "/test/sse/feed", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<String>> feed(@RequestParam(defaultValue = "50") long ms,
			@RequestParam(defaultValue = "1") int size) {
		String data = "x".repeat(size);
		return Flux.interval(Duration.ofMillis(ms))
			.onBackpressureDrop()
			.map((seq) -> ServerSentEvent.builder(data).id(Long.toString(seq)).build())
			.doFinally(this.probe::finish);
	}

	/** SSE: an event every {@code ms} milliseconds. */
	@GetMapping(path = "/test/sse/ticks", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<Long>> ticks(@RequestParam(defaultValue = "50") long ms) {
		return Flux.interval(Duration.ofMillis(ms))
			.map((seq) -> ServerSentEvent.builder(seq).id(Long.toString(seq)).build())
			.doFinally(this.probe::finish);
	}

	/** SSE ticks whose response carries proxy headers of the application's own. */
	@GetMapping(path = "/test/sse/own-headers", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	ResponseEntity<Flux<ServerSentEvent<Long>>> ownHeaders() {
		return ResponseEntity.ok()
			.cacheControl(CacheControl.maxAge(Duration.ofSeconds(5)))
			.header("X-Accel-Buffering", "yes")
			.body(ticks(50));
	}

	/** SSE: events as fast as demand allows. */
	@GetMapping(path = "/test/sse/fast", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<Line>> fast() {
		return Flux.<ServerSentEvent<Line>, Long>generate(() -> 0L, (seq, sink) -> {
			sink.next(ServerSentEvent.builder(new Line(seq)).id(Long.toString(seq)).build());
			return seq + 1;
		});
	}

	/** SSE whose first event comes after {@code ms} milliseconds. */
	@GetMapping(path = "/test/sse/late", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<String> late(@RequestParam long ms) {
		return Mono.delay(Duration.ofMillis(ms)).thenMany(Flux.just("late")).doFinally(this.probe::finish);
	}

	/** NDJSON whose first line comes after {@code ms} milliseconds. */
	@GetMapping(path = "/test/ndjson/late", produces = MediaType.APPLICATION_NDJSON_VALUE)
	Flux<Line> lateNdjson(@RequestParam long ms) {
		return Mono.delay(Duration.ofMillis(ms)).map(Line::new).flux().doFinally(this.probe::finish);
	}

	/** Octet stream whose first chunk comes after {@code ms} milliseconds. */
	@GetMapping(path = "/test/bulk/late", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	Flux<DataBuffer> lateBulk(@RequestParam long ms) {
		return Mono.delay(Duration.ofMillis(ms))
			.<DataBuffer>map((tick) -> DefaultDataBufferFactory.sharedInstance.wrap(new byte[CHUNK]))
			.flux()
			.doFinally(this.probe::finish);
	}

	/** SSE whose source fails before its first element. */
	@GetMapping(path = "/test/sse/failing", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<String> failing() {
		return Flux.<String>error(new IllegalStateException("source down")).doFinally(this.probe::finish);
	}

	/** NDJSON of a fixed number of lines. */
	@GetMapping(path = "/test/ndjson", produces = MediaType.APPLICATION_NDJSON_VALUE)
	Flux<Line> ndjson(@RequestParam(defaultValue = "10") int count) {
		return Flux.range(0, count).map(Line::new).doFinally(this.probe::finish);
	}

	/**
	 * NDJSON from a blocking producer that fills the write window with tryWrite, then waits
	 * with awaitWritable, recording every FULL and every wait's outcome.
	 */
	@GetMapping(path = "/test/writer", produces = MediaType.APPLICATION_NDJSON_VALUE)
	Flux<Line> writer(@RequestParam(defaultValue = "1000") long waitMs) {
		return StreamWriters.<Line>flux((writer) -> {
			long seq = 0;
			for (;;) {
				WriteResult result = writer.tryWrite(new Line(seq));
				if (result == WriteResult.WRITTEN) {
					seq++;
					continue;
				}
				this.probe.event(result.name());
				if (result == WriteResult.CLOSED) {
					return;
				}
				boolean timedOutBefore = this.probe.events().stream().anyMatch((e) -> e.startsWith("TIMED_OUT"));
				WaitResult waited = writer.awaitWritable(
						Deadline.after(Duration.ofMillis(timedOutBefore ? 30_000 : waitMs)));
				this.probe.event(waited.name() + "@" + System.nanoTime());
				if (waited == WaitResult.CLOSED) {
					this.probe.event("reason:" + writer.closedReason().map(Enum::name).orElse("none"));
					return;
				}
			}
		}).doFinally(this.probe::finish);
	}

	/**
	 * Endless NDJSON from a blocking producer that waits for room with {@code write}, holding
	 * its thread for the stream's whole life as a producer reading from a database would.
	 */
	@GetMapping(path = "/test/writer/records", produces = MediaType.APPLICATION_NDJSON_VALUE)
	Flux<Record> writerRecords(@RequestParam(defaultValue = "1024") int size) {
		String payload = "x".repeat(size);
		return StreamWriters.flux((writer) -> {
			for (long seq = 0;; seq++) {
				writer.write(new Record(seq, payload), Deadline.after(Duration.ofSeconds(30)));
			}
		});
	}

	public record Record(long seq, String payload) {
	}

	public record Line(long seq) {
	}

}
