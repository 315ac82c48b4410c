package dev.streamguard.web;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

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
			return new CountedGroup(element, stream);
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

	/**
	 * A group on its way to the transport: counts its bytes as they pass, and knows whether it
	 * was ever subscribed, so that a group the transport drops unsent can be released exactly
	 * once. The stream links the groups it handed over and the transport has not taken yet.
	 */
	final class CountedGroup extends FluxOperator<DataBuffer, DataBuffer> {

		private static final AtomicIntegerFieldUpdater<CountedGroup> TAKEN = AtomicIntegerFieldUpdater
			.newUpdater(CountedGroup.class, "taken");

		private final GuardedStream<?> stream;

		private volatile int taken;

		// The next group handed over after this one, confined to the stream's drain loop.
		@Nullable CountedGroup next;

		CountedGroup(Publisher<? extends DataBuffer> group, GuardedStream<?> stream) {
			super(Flux.from(group));
			this.stream = stream;
		}

		@Override
		public void subscribe(CoreSubscriber<? super DataBuffer> actual) {
			if (!TAKEN.compareAndSet(this, 0, 1)) {
				// Released as unsent, or subscribed before: there is nothing left to write.
				Operators.complete(actual);
				return;
			}
			this.source.doOnNext((buffer) -> this.stream.addBytes(buffer.readableByteCount())).subscribe(actual);
		}

		boolean taken() {
			return this.taken != 0;
		}

		void releaseIfUnsent() {
			if (TAKEN.compareAndSet(this, 0, 1)) {
				this.source.subscribe(DataBufferUtils::release, (ex) -> {
				});
			}
		}

	}

}
