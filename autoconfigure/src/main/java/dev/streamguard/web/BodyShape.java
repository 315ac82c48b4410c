package dev.streamguard.web;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * How a guarded body is built: a flat publisher of buffers ({@code writeWith}) or a publisher
 * of groups, each flushed on its own ({@code writeAndFlushWith}, used by WebFlux for SSE and
 * NDJSON, one group per element).
 */
interface BodyShape<T> {

	BodyShape<DataBuffer> FLAT = new BodyShape<>() {

		@Override
		public DataBuffer counted(DataBuffer element, GuardedStream<?> stream) {
			stream.addBytes(element.readableByteCount());
			return element;
		}

		@Override
		public DataBuffer of(DataBuffer buffer) {
			return buffer;
		}

		@Override
		public void discard(DataBuffer element) {
			DataBufferUtils.release(element);
		}

		@Override
		public boolean framed() {
			return false;
		}

	};

	BodyShape<Publisher<? extends DataBuffer>> GROUPED = new BodyShape<>() {

		@Override
		public Publisher<? extends DataBuffer> counted(Publisher<? extends DataBuffer> element,
				GuardedStream<?> stream) {
			return Flux.from(element).doOnNext((buffer) -> stream.addBytes(buffer.readableByteCount()));
		}

		@Override
		public Publisher<? extends DataBuffer> of(DataBuffer buffer) {
			return Mono.just(buffer);
		}

		@Override
		public void discard(Publisher<? extends DataBuffer> element) {
			Flux.from(element).subscribe(DataBufferUtils::release, (ex) -> {
			});
		}

		@Override
		public boolean framed() {
			return true;
		}

	};

	/** Return the element as handed downstream, counting its bytes as they pass. */
	T counted(T element, GuardedStream<?> stream);

	/** Return an element made of a buffer the guard writes itself (heartbeat, final event). */
	T of(DataBuffer buffer);

	/** Release an element that will never be written. */
	void discard(T element);

	/** Whether elements are whole frames (events, lines) between which the guard may write. */
	boolean framed();

}
