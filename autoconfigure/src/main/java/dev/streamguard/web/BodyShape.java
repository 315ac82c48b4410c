package dev.streamguard.web;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
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

	/**
	 * Release the buffers of a group the transport discards unsent: the discarded publisher is
	 * one of ours, or wraps one (the server maps each group to its own buffer type).
	 */
	static void releaseUnsent(Publisher<?> discarded) {
		if (discarded instanceof CountedGroup group) {
			group.releaseIfUnsent();
			return;
		}
		Scannable.from(discarded)
			.parents()
			.filter(CountedGroup.class::isInstance)
			.findFirst()
			.ifPresent((group) -> ((CountedGroup) group).releaseIfUnsent());
	}

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
	 * once.
	 */
	final class CountedGroup extends FluxOperator<DataBuffer, DataBuffer> {

		private static final AtomicIntegerFieldUpdater<CountedGroup> TAKEN = AtomicIntegerFieldUpdater
			.newUpdater(CountedGroup.class, "taken");

		private final GuardedStream<?> stream;

		private volatile int taken;

		CountedGroup(Publisher<? extends DataBuffer> group, GuardedStream<?> stream) {
			super(Flux.from(group));
			this.stream = stream;
		}

		@Override
		public void subscribe(CoreSubscriber<? super DataBuffer> actual) {
			TAKEN.set(this, 1);
			this.source.doOnNext((buffer) -> this.stream.addBytes(buffer.readableByteCount())).subscribe(actual);
		}

		void releaseIfUnsent() {
			if (TAKEN.compareAndSet(this, 0, 1)) {
				this.source.subscribe(DataBufferUtils::release, (ex) -> {
				});
			}
		}

	}

}
