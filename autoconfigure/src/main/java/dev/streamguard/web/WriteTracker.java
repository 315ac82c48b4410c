package dev.streamguard.web;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import dev.streamguard.stream.StreamRejectedException;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Follows the transport's write of a guarded stream's body, in one subscriber: the stream is
 * {@code COMPLETED} only once everything was written, a failed write ends it for the
 * connection's reason, and a source refused before anything was committed gets its refusal as
 * the response. The response counts as open in the registry until the exchange has written its
 * last bytes, or its connection closed.
 */
final class WriteTracker implements CoreSubscriber<Void>, Subscription, ChannelFutureListener {

	private static final Log logger = LogFactory.getLog(WriteTracker.class);

	private static final AtomicIntegerFieldUpdater<WriteTracker> OPEN = AtomicIntegerFieldUpdater
		.newUpdater(WriteTracker.class, "open");

	private final GuardedStream<?> stream;

	private final CoreSubscriber<? super Void> actual;

	private final Exchange exchange;

	private volatile int open;

	private @Nullable Subscription subscription;

	WriteTracker(GuardedStream<?> stream, CoreSubscriber<? super Void> actual, Exchange exchange) {
		this.stream = stream;
		this.actual = actual;
		this.exchange = exchange;
	}

	@Override
	public Context currentContext() {
		return this.actual.currentContext();
	}

	@Override
	public void onSubscribe(Subscription s) {
		if (Operators.validate(this.subscription, s)) {
			this.subscription = s;
			OPEN.set(this, 1);
			this.stream.registry().responseOpened();
			Channel channel = this.stream.channel;
			if (channel != null) {
				channel.closeFuture().addListener(this);
			}
			this.actual.onSubscribe(this);
		}
	}

	@Override
	public void onNext(Void nothing) {
	}

	@Override
	public void onComplete() {
		this.stream.onWritten();
		Mono<Void> done = this.exchange.done();
		if (done != null) {
			done.subscribe(null, (ex) -> closeResponse(), this::closeResponse);
		}
		else {
			closeResponse();
		}
		this.actual.onComplete();
		this.stream.releaseIfNeverStarted();
	}

	@Override
	public void onError(Throwable failure) {
		Mono<Void> refusal = (failure instanceof StreamRejectedException rejected) ? this.exchange.refusal(rejected)
				: null;
		if (refusal != null) {
			// Refused before anything was committed: the refusal is the response.
			refusal.subscribe(null, this.actual::onError, this.actual::onComplete);
		}
		else if (this.stream.cutByGuard()) {
			// The guard cut the stream, and its end was logged with its reason. Over HTTP/2 the
			// cut resets the stream, whose writes still queued then fail: nothing went wrong
			// that the server's error log should report.
			if (logger.isDebugEnabled()) {
				logger.debug(this.stream.logPrefix() + "Write ended by the stream's cut: " + failure);
			}
			this.actual.onComplete();
		}
		else {
			this.stream.onTransportFailure(failure);
			this.actual.onError(failure);
		}
		closeResponse();
		this.stream.releaseIfNeverStarted();
	}

	@Override
	public void request(long n) {
		Objects.requireNonNull(this.subscription).request(n);
	}

	@Override
	public void cancel() {
		Objects.requireNonNull(this.subscription).cancel();
		closeResponse();
		this.stream.releaseIfNeverStarted();
	}

	@Override
	public void operationComplete(ChannelFuture closed) {
		closeResponse();
	}

	private void closeResponse() {
		if (OPEN.compareAndSet(this, 1, 0)) {
			this.stream.registry().responseClosed();
			Channel channel = this.stream.channel;
			if (channel != null) {
				// A persistent connection may carry many more exchanges.
				channel.closeFuture().removeListener(this);
			}
		}
	}

	/**
	 * The exchange whose body is written: what the tracker asks of it.
	 */
	interface Exchange {

		/**
		 * Return what completes once the exchange has written its last bytes (the terminating
		 * chunk comes after the body), asked for when the body is written.
		 * @return the completion, or {@code null} when the server does not tell
		 */
		@Nullable Mono<Void> done();

		/**
		 * Return the response to a source refused before anything was committed.
		 * @param rejected the refusal
		 * @return the response, or {@code null} to fail the write
		 */
		@Nullable Mono<Void> refusal(StreamRejectedException rejected);

	}

}
