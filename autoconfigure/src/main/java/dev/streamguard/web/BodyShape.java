package dev.streamguard.web;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

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
	 * <p>
	 * It is its own subscriber to the group, between the group and the transport: one object
	 * per element, where an operator chain built at subscription made four more.
	 */
	final class CountedGroup extends Flux<DataBuffer> implements CoreSubscriber<DataBuffer>, Subscription {

		private static final AtomicIntegerFieldUpdater<CountedGroup> TAKEN = AtomicIntegerFieldUpdater
			.newUpdater(CountedGroup.class, "taken");

		private final Publisher<? extends DataBuffer> source;

		private final GuardedStream<?> stream;

		private volatile int taken;

		// The next group handed over after this one, confined to the stream's drain loop.
		@Nullable CountedGroup next;

		// The transport's subscriber and the group's subscription, while the group is written.
		private @Nullable CoreSubscriber<? super DataBuffer> actual;

		private @Nullable Subscription upstream;

		CountedGroup(Publisher<? extends DataBuffer> group, GuardedStream<?> stream) {
			this.source = group;
			this.stream = stream;
		}

		@Override
		public void subscribe(CoreSubscriber<? super DataBuffer> actual) {
			if (!TAKEN.compareAndSet(this, 0, 1)) {
				// Released as unsent, or subscribed before: there is nothing left to write.
				Operators.complete(actual);
				return;
			}
			this.actual = actual;
			this.source.subscribe(this);
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			CoreSubscriber<? super DataBuffer> actual = this.actual;
			if (actual == null || !Operators.validate(this.upstream, subscription)) {
				subscription.cancel();
				return;
			}
			this.upstream = subscription;
			actual.onSubscribe(this);
		}

		@Override
		public void onNext(DataBuffer buffer) {
			CoreSubscriber<? super DataBuffer> actual = this.actual;
			if (actual == null) {
				DataBufferUtils.release(buffer);
				return;
			}
			this.stream.addBytes(buffer.readableByteCount());
			actual.onNext(buffer);
		}

		@Override
		public void onError(Throwable error) {
			CoreSubscriber<? super DataBuffer> actual = this.actual;
			this.actual = null;
			this.upstream = null;
			if (actual != null) {
				actual.onError(error);
			}
		}

		@Override
		public void onComplete() {
			CoreSubscriber<? super DataBuffer> actual = this.actual;
			// The transport may keep the last group referenced while the stream is quiet: let go
			// of both ends.
			this.actual = null;
			this.upstream = null;
			if (actual != null) {
				actual.onComplete();
			}
		}

		@Override
		public void request(long n) {
			Subscription upstream = this.upstream;
			if (upstream != null) {
				upstream.request(n);
			}
		}

		@Override
		public void cancel() {
			Subscription upstream = this.upstream;
			this.actual = null;
			this.upstream = null;
			if (upstream != null) {
				upstream.cancel();
			}
		}

		@Override
		public Context currentContext() {
			CoreSubscriber<? super DataBuffer> actual = this.actual;
			return (actual != null) ? actual.currentContext() : Context.empty();
		}

		boolean taken() {
			return this.taken != 0;
		}

		void releaseIfUnsent() {
			if (TAKEN.compareAndSet(this, 0, 1)) {
				Flux.from(this.source).subscribe(DataBufferUtils::release, (ex) -> {
				});
			}
		}

	}

}
