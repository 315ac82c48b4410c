package dev.streamguard.web;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamAdmission;
import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.StreamRejectedException;
import dev.streamguard.stream.StreamWriterPool;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.transport.PeerFailures;
import dev.streamguard.transport.PeerProgress;
import dev.streamguard.transport.TcpInfo;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.WriteBufferWaterMark;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

import org.springframework.core.io.buffer.DataBufferFactory;

/**
 * One guarded stream: the {@link LiveStream} record and the operator between the body
 * publisher and the transport. It maps Reactive Streams demand onto brpc's write/wait model:
 * the upstream gets demand for one element at a time, and only while the connection's write
 * window (Netty's write-buffer water marks) has room. It runs the stream's timers on the
 * connection's event loop and ends the stream exactly once, with exactly one reason,
 * cancelling the upstream at most once.
 */
final class GuardedStream<T> implements LiveStream, CoreSubscriber<T>, Subscription, StreamTicker.Ticking {

	private static final Log logger = LogFactory.getLog(GuardedStream.class);

	/**
	 * Elements the upstream may deliver before the transport asks for them. The transport's
	 * demand can lapse briefly (WebFlux asks for one element before it commits the response,
	 * and for more only once the response is committed); a few parked elements keep hot sources
	 * such as {@code Flux.interval} from overflowing meanwhile, without loosening the bound.
	 */
	static final int PARK_CAPACITY = 8;

	private static final byte[] EMPTY = new byte[0];

	private static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

	private static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

	@SuppressWarnings("rawtypes")
	private static final AtomicReferenceFieldUpdater<GuardedStream, Subscription> UPSTREAM = AtomicReferenceFieldUpdater
		.newUpdater(GuardedStream.class, Subscription.class, "upstream");

	@SuppressWarnings("rawtypes")
	private static final AtomicReferenceFieldUpdater<GuardedStream, TerminationReason> REASON = AtomicReferenceFieldUpdater
		.newUpdater(GuardedStream.class, TerminationReason.class, "reason");

	@SuppressWarnings("rawtypes")
	private static final AtomicReferenceFieldUpdater<GuardedStream, StreamAdmission.Admitted> ADMISSION = AtomicReferenceFieldUpdater
		.newUpdater(GuardedStream.class, StreamAdmission.Admitted.class, "admission");

	@SuppressWarnings("rawtypes")
	private static final AtomicLongFieldUpdater<GuardedStream> BYTES = AtomicLongFieldUpdater
		.newUpdater(GuardedStream.class, "bytes");

	@SuppressWarnings("rawtypes")
	private static final AtomicLongFieldUpdater<GuardedStream> WINDOW_FULL = AtomicLongFieldUpdater
		.newUpdater(GuardedStream.class, "windowFull");

	/** The water marks of the last stream that started, shared by streams of the same window. */
	private static volatile @Nullable WriteBufferWaterMark lastWaterMark;

	private final String id;

	private final String route;

	private final String mediaType;

	private final @Nullable InetSocketAddress remoteAddress;

	private final StreamPolicy policy;

	// Drawn per stream from the last tenth of the policy's lease, so that streams opened together
	// (after a deploy, a drain) do not all come back at the same instant; 0 for none.
	private final long leaseNanos;

	private final StreamRegistry registry;

	private final BodyShape<T> shape;

	private final @Nullable FinalFrames frames;

	private final DataBufferFactory bufferFactory;

	private final @Nullable Channel channel;

	private final @Nullable ChannelWatcher watcher;

	// The kernel's view of the connection, where the transport offers TCP_INFO.
	private final @Nullable PeerProgress progress;

	private volatile long bytes;

	private volatile long startedAtMillis = System.currentTimeMillis();

	private volatile long startNanos = System.nanoTime();

	private volatile long endNanos;

	private volatile @Nullable Subscription upstream;

	private volatile @Nullable TerminationReason reason;

	private volatile @Nullable Throwable transportFailure;

	private final StreamTicker ticker;

	// The ticker of a stream without a connection: a task of its own.
	private volatile @Nullable Disposable tickElsewhere;

	private @Nullable CoreSubscriber<? super T> actual;

	// Guarded by "this": downstream signals and demand bookkeeping.
	private long demand;

	private boolean upstreamPending;

	// Whether the empty element that commits the response was handed over.
	private boolean committed;

	// Allocated on first use: most streams never park an element.
	private @Nullable ArrayDeque<T> parked;

	private boolean completeAfterParked;

	private volatile boolean upstreamCompleted;

	private volatile boolean awaitWritten;

	private volatile StreamAdmission.@Nullable Admitted admission;

	// Set before the body is subscribed.
	private @Nullable StreamWriterPool writers;

	private volatile StreamAdmission.@Nullable Admitted firstElementListener;

	private volatile boolean started;

	private boolean downstreamDone;

	private volatile boolean downstreamCancelled;

	private volatile long elements;

	private volatile long lastEmitNanos;

	private volatile long lastDemandNanos;

	// Confined to the ticker.
	private long lastFlushed;

	private volatile long lastProgressNanos;

	private volatile @Nullable TcpInfo lastTcpInfo;

	private volatile long windowFull;

	// Send-rate sample, written by the ticker.
	private long rateSampleNanos;

	private long rateSampleBytes;

	private volatile long sendRate;

	GuardedStream(String id, String route, String mediaType, @Nullable InetSocketAddress remoteAddress,
			StreamPolicy policy, StreamRegistry registry, BodyShape<T> shape, @Nullable FinalFrames frames,
			DataBufferFactory bufferFactory, @Nullable Channel channel, StreamTicker ticker) {
		this.id = id;
		this.route = route;
		this.mediaType = mediaType;
		this.remoteAddress = remoteAddress;
		this.policy = policy;
		this.leaseNanos = leaseNanos(policy.lease());
		this.registry = registry;
		this.shape = shape;
		this.frames = shape.framed() ? frames : null;
		this.bufferFactory = bufferFactory;
		this.channel = channel;
		this.ticker = ticker;
		this.watcher = (channel != null) ? ChannelWatcher.install(channel) : null;
		this.progress = (channel != null) ? PeerProgress.of(channel) : null;
	}

	/**
	 * Return the guarded body: subscribing to it starts the stream.
	 */
	Flux<T> body(Publisher<? extends T> source) {
		return new Flux<>() {

			@Override
			public void subscribe(CoreSubscriber<? super T> actual) {
				start(source, actual);
			}

		};
	}

	private void start(Publisher<? extends T> source, CoreSubscriber<? super T> actual) {
		synchronized (this) {
			if (this.actual != null) {
				Operators.error(actual, new IllegalStateException("Stream " + this.id + " allows one subscriber"));
				return;
			}
			this.actual = actual;
		}
		long now = System.nanoTime();
		this.startedAtMillis = System.currentTimeMillis();
		this.startNanos = now;
		this.started = true;
		this.lastEmitNanos = now;
		this.lastProgressNanos = now;
		Channel channel = this.channel;
		if (channel != null) {
			channel.config().setWriteBufferWaterMark(waterMark(this.policy));
			Objects.requireNonNull(this.watcher).attach(this);
		}
		this.registry.register(this);
		if (logger.isDebugEnabled()) {
			logger.debug(logPrefix() + "Stream started on " + this.route + " (" + this.mediaType + ")");
		}
		actual.onSubscribe(this);
		startTicker();
		if (channel != null && !channel.isActive()) {
			onConnectionClosed();
		}
		source.subscribe(this);
		commitAtOnce();
	}

	/**
	 * Send the response's headers now rather than with the first element: WebFlux commits a
	 * response when its body's first element arrives, so a quiet stream would otherwise leave
	 * an {@code EventSource} unopened and a proxy waiting for headers until it times out. An
	 * empty buffer commits without writing a byte of the body. A source that fails at once
	 * (refused at subscription) still fails before the commit, so its error can become a
	 * proper response.
	 */
	private void commitAtOnce() {
		synchronized (this) {
			if (this.reason == null) {
				commit();
			}
		}
	}

	/**
	 * Hand the empty commit element over first, before any element of the source: WebFlux
	 * holds the first element while it commits, and releases a held buffer if the exchange
	 * ends meanwhile, but not a held group of buffers (SSE, NDJSON), which would leak.
	 */
	// Guarded by "this".
	private void commit() {
		if (!this.committed) {
			this.committed = emitOwn(EMPTY);
		}
	}

	private static long leaseNanos(@Nullable Duration lease) {
		if (lease == null) {
			return 0;
		}
		long full = lease.toNanos();
		return full - ThreadLocalRandom.current().nextLong(full / 10 + 1);
	}

	private static WriteBufferWaterMark waterMark(StreamPolicy policy) {
		int low = (int) policy.windowLow().toBytes();
		int high = (int) policy.windowHigh().toBytes();
		WriteBufferWaterMark last = lastWaterMark;
		if (last == null || last.low() != low || last.high() != high) {
			last = new WriteBufferWaterMark(low, high);
			lastWaterMark = last;
		}
		return last;
	}

	private void startTicker() {
		long shortest = Long.MAX_VALUE;
		for (Duration limit : new Duration[] { this.policy.stallTimeout(), this.policy.idleTimeout(),
				this.policy.firstElementTimeout(), this.policy.maxDuration(), this.policy.lease(),
				(this.frames != null) ? this.policy.heartbeatInterval() : null }) {
			if (limit != null) {
				shortest = Math.min(shortest, limit.toNanos());
			}
		}
		Channel channel = this.channel;
		if (shortest == Long.MAX_VALUE && channel == null) {
			return;
		}
		// With a connection the ticker always runs: it watches progress and the kernel's view
		// of a blocked connection, which name the reason when the connection goes away.
		long period = Math.max(MIN_TICK_NANOS, Math.min(MAX_TICK_NANOS, shortest / 10));
		if (channel != null) {
			// Leaves the event loop's shared ticker at the first tick after the stream ended.
			this.ticker.register(channel.eventLoop(), period, this);
			return;
		}
		this.tickElsewhere = Schedulers.parallel()
			.schedulePeriodically(this::tick, period, period, TimeUnit.NANOSECONDS);
		if (this.reason != null) {
			// Ended while the ticker was being started.
			stopTicker();
		}
	}

	private void stopTicker() {
		Disposable elsewhere = this.tickElsewhere;
		if (elsewhere != null) {
			elsewhere.dispose();
		}
	}

	// Upstream side

	@Override
	public ContextView context() {
		return currentContext();
	}

	@Override
	public Context currentContext() {
		CoreSubscriber<? super T> actual = this.actual;
		Context context = (actual != null) ? actual.currentContext() : Context.empty();
		context = context.put(LiveStream.class, this);
		StreamWriterPool writers = this.writers;
		return (writers != null) ? context.put(StreamWriterPool.class, writers) : context;
	}

	/**
	 * Set where the blocking producers of this stream's source run.
	 * @param writers the pool, {@code null} for the shared one
	 */
	void writers(@Nullable StreamWriterPool writers) {
		this.writers = writers;
	}

	@Override
	public void onSubscribe(Subscription s) {
		if (Operators.setOnce(UPSTREAM, this, s)) {
			requestMore();
		}
	}

	@Override
	public void onNext(T element) {
		boolean first;
		synchronized (this) {
			this.upstreamPending = false;
			if (this.reason != null || this.downstreamDone || this.downstreamCancelled) {
				this.shape.discard(element);
				return;
			}
			first = this.elements++ == 0;
			commit();
			if (this.demand > 0 && parkedCount() == 0) {
				deliver(element);
			}
			else {
				park(element);
			}
		}
		if (first) {
			firstElement();
		}
		requestMore();
	}

	// Guarded by "this".
	private int parkedCount() {
		ArrayDeque<T> parked = this.parked;
		return (parked != null) ? parked.size() : 0;
	}

	// Guarded by "this".
	private void park(T element) {
		ArrayDeque<T> parked = this.parked;
		if (parked == null) {
			parked = new ArrayDeque<>(PARK_CAPACITY);
			this.parked = parked;
		}
		parked.add(element);
	}

	private void deliver(T element) {
		this.demand--;
		this.lastEmitNanos = System.nanoTime();
		Objects.requireNonNull(this.actual).onNext(this.shape.counted(element, this));
	}

	@Override
	public void onError(Throwable ex) {
		// A source that cannot be served now (no writer thread) refuses rather than fails.
		TerminationReason reason = (ex instanceof StreamRejectedException) ? TerminationReason.REJECTED
				: TerminationReason.UPSTREAM_ERROR;
		if (end(reason, Origin.UPSTREAM)) {
			if (logger.isDebugEnabled()) {
				logger.debug(logPrefix() + "Upstream failed", ex);
			}
			synchronized (this) {
				if (!this.downstreamDone) {
					this.downstreamDone = true;
					Objects.requireNonNull(this.actual).onError(ex);
				}
			}
		}
		else {
			Operators.onErrorDropped(ex, currentContext());
		}
	}

	@Override
	public void onComplete() {
		synchronized (this) {
			if (this.reason != null || this.downstreamDone) {
				return;
			}
			this.upstreamCompleted = true;
		}
		if (!this.awaitWritten) {
			end(TerminationReason.COMPLETED, Origin.UPSTREAM);
		}
		// Otherwise the stream is COMPLETED once the transport has written everything
		// (onWritten), and ends for the connection's reason if it goes away before.
		synchronized (this) {
			if (parkedCount() > 0) {
				// Completes once the parked elements are delivered.
				this.completeAfterParked = true;
				return;
			}
		}
		completeDownstream();
	}

	// Downstream side

	@Override
	public void request(long n) {
		if (Operators.validate(n)) {
			synchronized (this) {
				this.demand = Operators.addCap(this.demand, n);
				ArrayDeque<T> parked = this.parked;
				while (parked != null && this.demand > 0 && !parked.isEmpty() && !this.downstreamDone) {
					deliver(parked.poll());
				}
				if (this.completeAfterParked && parkedCount() == 0 && !this.downstreamDone) {
					this.downstreamDone = true;
					Objects.requireNonNull(this.actual).onComplete();
				}
			}
			requestMore();
		}
	}

	@Override
	public void cancel() {
		// Leak fix: the stream ends on the event loop a moment later; an element that arrives
		// meanwhile must be released here, not handed to a transport that has let go.
		this.downstreamCancelled = true;
		if (this.reason == null) {
			endForConnection();
		}
	}

	/**
	 * End the stream because the transport gave up on it. The transport may be cancelling
	 * because a write failed, and the failure arrives right after the cancel, so the reason is
	 * decided on the event loop.
	 */
	private void endForConnection() {
		Channel channel = this.channel;
		if (channel != null) {
			try {
				channel.eventLoop().execute(() -> end(classifyConnectionEnd(), Origin.DOWNSTREAM));
				return;
			}
			catch (RejectedExecutionException ex) {
				// Event loop shutting down: decide now.
			}
		}
		end(classifyConnectionEnd(), Origin.DOWNSTREAM);
	}

	// Transport signals

	void onWritabilityChanged() {
		Channel channel = this.channel;
		if (channel != null && !channel.isWritable()) {
			WINDOW_FULL.incrementAndGet(this);
		}
		requestMore();
	}

	void onConnectionClosed() {
		end(classifyConnectionEnd(), Origin.CONNECTION);
	}

	/**
	 * Track the transport's write of this stream's body: the stream is COMPLETED only once
	 * everything was written, and a failed write ends it for the connection's reason. The
	 * response counts as open in the registry until the exchange has written its last bytes.
	 * @param write the transport's write
	 * @param exchangeDone what completes once the exchange has written its last bytes (the
	 * terminating chunk comes after the body), asked for when the body is written; it may
	 * return {@code null} when the server does not tell
	 */
	Mono<Void> track(Mono<Void> write, Supplier<@Nullable Mono<Void>> exchangeDone) {
		return track(write, exchangeDone, (rejected) -> null);
	}

	/**
	 * Track the transport's write of this stream's body, as {@link #track(Mono, Supplier)}.
	 * @param onRejected the response to a source refused before anything was committed, or
	 * {@code null} to fail the write
	 */
	Mono<Void> track(Mono<Void> write, Supplier<@Nullable Mono<Void>> exchangeDone,
			Function<StreamRejectedException, @Nullable Mono<Void>> onRejected) {
		this.awaitWritten = true;
		// Groups handed to the transport wait in its queue (Reactor Netty prefetches them);
		// when the transport cancels, it discards them as publishers, which no buffer hook
		// recognises: release the buffers of those of ours that were never subscribed.
		Mono<Void> released = this.shape.framed() ? write.doOnDiscard(Publisher.class, BodyShape::releaseUnsent)
				: write;
		return new Mono<>() {

			@Override
			public void subscribe(CoreSubscriber<? super Void> actual) {
				released.subscribe(new WriteTracker(actual, exchangeDone, onRejected));
			}

		};
	}

	/**
	 * Tell the given admission of the first element, and exactly once of the end (also if the
	 * stream never starts).
	 */
	void admitted(StreamAdmission.Admitted admitted) {
		this.admission = admitted;
		this.firstElementListener = admitted;
	}

	private void release() {
		StreamAdmission.Admitted admitted = ADMISSION.getAndSet(this, null);
		if (admitted != null) {
			try {
				admitted.onEnd().accept(this);
			}
			catch (RuntimeException ex) {
				logger.warn(logPrefix() + "Releasing the stream's admission failed", ex);
			}
		}
	}

	private void firstElement() {
		StreamAdmission.Admitted admitted = this.firstElementListener;
		if (admitted != null) {
			this.firstElementListener = null;
			try {
				admitted.onFirstElement().accept(this);
			}
			catch (RuntimeException ex) {
				logger.warn(logPrefix() + "Admission's first-element callback failed", ex);
			}
		}
	}

	private void onWritten() {
		if (this.upstreamCompleted) {
			end(TerminationReason.COMPLETED, Origin.UPSTREAM);
		}
	}

	void onTransportFailure(Throwable failure) {
		this.transportFailure = failure;
		if (this.reason == null) {
			endForConnection();
		}
	}

	void addBytes(long count) {
		BYTES.addAndGet(this, count);
	}

	private TerminationReason classifyConnectionEnd() {
		Throwable failure = this.transportFailure;
		if (failure == null && this.watcher != null) {
			failure = this.watcher.lastFailure();
		}
		if (logger.isDebugEnabled()) {
			logger.debug(logPrefix() + "Connection ended, last transport failure: " + failure + ", TCP_INFO: "
					+ this.lastTcpInfo);
		}
		PeerProgress progress = this.progress;
		if (progress != null && progress.timedOut() != null) {
			return TerminationReason.PEER_UNRESPONSIVE;
		}
		TcpInfo info = this.lastTcpInfo;
		if (PeerFailures.isPeerUnresponsive(failure)) {
			// The kernel's user timeout also ends a live peer's connection whose window stayed
			// closed: that peer stalled the stream rather than vanished.
			return (info != null && info.zeroWindow()) ? TerminationReason.STALLED
					: TerminationReason.PEER_UNRESPONSIVE;
		}
		// A failed flush closes the connection without an event that carries the error; the
		// kernel's last view of a blocked connection tells a silent peer from a closing one.
		return (failure == null && info != null && info.peerSilent()) ? TerminationReason.PEER_UNRESPONSIVE
				: TerminationReason.CLIENT_CLOSED;
	}

	private void requestMore() {
		Subscription s;
		synchronized (this) {
			s = this.upstream;
			if (s == null || this.reason != null || this.upstreamPending || parkedCount() >= PARK_CAPACITY
					|| !windowHasRoom()) {
				return;
			}
			this.upstreamPending = true;
			this.lastDemandNanos = System.nanoTime();
		}
		s.request(1);
	}

	private boolean windowHasRoom() {
		Channel channel = this.channel;
		return channel == null || channel.isWritable();
	}

	// Timers, on the connection's event loop

	/**
	 * Check the stream's timers, on the connection's event loop.
	 * @return whether the stream is still live
	 */
	@Override
	public boolean tick() {
		if (this.reason != null) {
			return false;
		}
		long now = System.nanoTime();
		sampleRate(now);
		StreamPolicy policy = this.policy;
		if (expired(policy.maxDuration(), now - this.startNanos)) {
			end(TerminationReason.MAX_DURATION);
			return false;
		}
		if (this.leaseNanos > 0 && now - this.startNanos >= this.leaseNanos) {
			end(TerminationReason.LEASE_EXPIRED);
			return false;
		}
		boolean first = this.elements == 0;
		if (first && expired(policy.firstElementTimeout(), now - this.startNanos)) {
			end(TerminationReason.FIRST_ELEMENT_TIMEOUT);
			return false;
		}
		if ((!first || policy.firstElementTimeout() == null) && waitingForUpstream()
				&& expired(policy.idleTimeout(), now - this.lastDemandNanos)) {
			end(TerminationReason.IDLE_TIMEOUT);
			return false;
		}
		if (stalled(now)) {
			TcpInfo info = this.lastTcpInfo;
			end((info != null && info.peerSilent()) ? TerminationReason.PEER_UNRESPONSIVE : TerminationReason.STALLED);
			return false;
		}
		FinalFrames frames = this.frames;
		if (frames != null && expired(policy.heartbeatInterval(), now - this.lastEmitNanos)) {
			byte[] heartbeat = frames.heartbeat();
			if (heartbeat != null) {
				emitOwn(heartbeat);
			}
		}
		return true;
	}

	private void sampleRate(long now) {
		long elapsed = now - this.rateSampleNanos;
		if (elapsed >= TimeUnit.SECONDS.toNanos(1)) {
			long flushed = this.bytes - pendingBytes();
			this.sendRate = (this.rateSampleNanos == 0) ? 0
					: (flushed - this.rateSampleBytes) * TimeUnit.SECONDS.toNanos(1) / elapsed;
			this.rateSampleNanos = now;
			this.rateSampleBytes = flushed;
		}
	}

	private static boolean expired(@Nullable Duration limit, long elapsedNanos) {
		return limit != null && elapsedNanos >= limit.toNanos();
	}

	private synchronized boolean waitingForUpstream() {
		return this.upstreamPending;
	}

	private boolean stalled(long now) {
		Channel channel = this.channel;
		if (channel == null) {
			return false;
		}
		PeerProgress progress = this.progress;
		if (progress != null) {
			// Progress is what the peer acknowledged, wherever the bytes waited: bytes that
			// leave the process only fill the kernel's send buffer, which a slow reader takes
			// minutes to drain and a non-reader never does.
			if (channel.isWritable() && !progress.holding()) {
				this.lastProgressNanos = now;
				this.lastTcpInfo = null;
				return false;
			}
			this.lastProgressNanos = Math.max(this.lastProgressNanos, progress.lastProgressNanos());
			this.lastTcpInfo = progress.lastSample();
			return expired(this.policy.stallTimeout(), now - this.lastProgressNanos);
		}
		long flushed = this.bytes - pendingBytes();
		if (flushed != this.lastFlushed || channel.isWritable()) {
			this.lastFlushed = flushed;
			this.lastProgressNanos = now;
			this.lastTcpInfo = null;
			return false;
		}
		// Blocked: keep the kernel's view, to tell a silent peer from one that stopped reading.
		this.lastTcpInfo = TcpInfo.read(channel).orElse(null);
		return expired(this.policy.stallTimeout(), now - this.lastProgressNanos);
	}

	private synchronized boolean emitOwn(byte[] frame) {
		if (this.downstreamDone || this.actual == null) {
			return false;
		}
		if (this.demand <= 0) {
			return false;
		}
		this.demand--;
		this.lastEmitNanos = System.nanoTime();
		BYTES.addAndGet(this, frame.length);
		this.actual.onNext(this.shape.of(this.bufferFactory.wrap(frame)));
		return true;
	}

	private synchronized void discardParked() {
		if (this.reason != TerminationReason.COMPLETED) {
			ArrayDeque<T> parked = this.parked;
			for (T element; parked != null && (element = parked.poll()) != null;) {
				this.shape.discard(element);
			}
		}
	}

	private void completeDownstream() {
		synchronized (this) {
			if (this.downstreamDone || this.actual == null) {
				return;
			}
			this.downstreamDone = true;
			this.actual.onComplete();
		}
	}

	// Termination

	@Override
	public boolean end(TerminationReason reason) {
		return end(Objects.requireNonNull(reason, "reason"), Origin.GUARD);
	}

	private boolean end(TerminationReason reason, Origin origin) {
		if (!REASON.compareAndSet(this, null, reason)) {
			return false;
		}
		this.endNanos = System.nanoTime();
		stopTicker();
		if (origin != Origin.UPSTREAM && !this.upstreamCompleted) {
			Operators.terminate(UPSTREAM, this);
		}
		discardParked();
		if (this.watcher != null) {
			this.watcher.detach(this);
		}
		release();
		this.registry.unregister(this, reason);
		if (origin == Origin.GUARD) {
			closeOnOwnTerms(reason);
		}
		return true;
	}

	/**
	 * End the response for a reason of the guard's own: framed streams whose connection can
	 * still take bytes get a final frame naming the reason and a clean end; anything else is
	 * cut, so that a client never mistakes a truncated body for a complete one.
	 */
	private void closeOnOwnTerms(TerminationReason reason) {
		Channel channel = this.channel;
		FinalFrames frames = this.frames;
		// A shutdown frame is worth queueing behind a full window: the drain waits for it.
		boolean connectionUsable = channel == null || (channel.isActive()
				&& (channel.isWritable() || reason == TerminationReason.SERVER_SHUTDOWN));
		byte[] last = (frames != null && reason != TerminationReason.STALLED && connectionUsable)
				? frames.last(reason) : null;
		if (last != null) {
			synchronized (this) {
				if (!emitOwn(last) && !this.downstreamDone) {
					// No demand yet (WebFlux asks for more only once the response is committed):
					// the frame waits for it, and the response completes after it.
					park(this.shape.of(this.bufferFactory.wrap(last)));
					this.completeAfterParked = true;
					return;
				}
			}
			completeDownstream();
			return;
		}
		if (channel != null) {
			if (logger.isDebugEnabled()) {
				logger.debug(logPrefix() + "Closing the connection: " + reason + " (active: " + channel.isActive() + ", writable: " + channel.isWritable() + ", pending: " + pendingBytes() + ", frames: " + (frames != null) + ")");
			}
			channel.close();
		}
		else {
			synchronized (this) {
				if (!this.downstreamDone && this.actual != null) {
					this.downstreamDone = true;
					this.actual.onError(new StreamEndedException(reason));
				}
			}
		}
	}

	private String logPrefix() {
		return (this.channel != null) ? "[" + this.channel + "] [" + this.id + "] " : "[" + this.id + "] ";
	}

	// LiveStream

	@Override
	public String id() {
		return this.id;
	}

	@Override
	public String route() {
		return this.route;
	}

	@Override
	public String mediaType() {
		return this.mediaType;
	}

	@Override
	public Optional<InetSocketAddress> remoteAddress() {
		return Optional.ofNullable(this.remoteAddress);
	}

	@Override
	public StreamPolicy policy() {
		return this.policy;
	}

	@Override
	public Instant startedAt() {
		return Instant.ofEpochMilli(this.startedAtMillis);
	}

	@Override
	public Duration age() {
		long end = (this.reason != null) ? this.endNanos : System.nanoTime();
		return Duration.ofNanos(end - this.startNanos);
	}

	@Override
	public long elementsSent() {
		return this.elements;
	}

	@Override
	public long bytesSent() {
		return this.bytes;
	}

	@Override
	public long sendRate() {
		return (this.reason == null) ? this.sendRate : 0;
	}

	@Override
	public long windowFullCount() {
		return this.windowFull;
	}

	@Override
	public long pendingBytes() {
		Channel channel = this.channel;
		if (channel == null) {
			return 0;
		}
		ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
		return (buffer != null) ? buffer.totalPendingWriteBytes() : 0;
	}

	@Override
	public boolean writable() {
		return this.reason == null && windowHasRoom();
	}

	@Override
	public Duration sinceLastProgress() {
		if (state() == State.ACTIVE) {
			return Duration.ZERO;
		}
		return Duration.ofNanos(System.nanoTime() - this.lastProgressNanos);
	}

	@Override
	public Optional<TcpInfo> tcpInfo() {
		Channel channel = this.channel;
		return (channel != null && this.reason == null) ? TcpInfo.read(channel) : Optional.empty();
	}

	@Override
	public State state() {
		if (this.reason != null) {
			return State.ENDED;
		}
		PeerProgress progress = this.progress;
		TcpInfo held = (progress != null && progress.holding()) ? progress.lastSample() : null;
		return (windowHasRoom() && (held == null || !held.zeroWindow())) ? State.ACTIVE : State.BLOCKED;
	}

	@Override
	public Optional<TerminationReason> terminationReason() {
		return Optional.ofNullable(this.reason);
	}

	@Override
	public String toString() {
		return "LiveStream[id=" + this.id + ", route=" + this.route + ", state=" + state() + "]";
	}

	/**
	 * Follows the transport's write of the body, in one subscriber. The response counts as open
	 * until the exchange has written its last bytes, or its connection closed.
	 */
	private final class WriteTracker implements CoreSubscriber<Void>, Subscription, ChannelFutureListener {

		private final CoreSubscriber<? super Void> actual;

		private final Supplier<@Nullable Mono<Void>> exchangeDone;

		private final Function<StreamRejectedException, @Nullable Mono<Void>> onRejected;

		private final AtomicBoolean open = new AtomicBoolean();

		private @Nullable Subscription subscription;

		WriteTracker(CoreSubscriber<? super Void> actual, Supplier<@Nullable Mono<Void>> exchangeDone,
				Function<StreamRejectedException, @Nullable Mono<Void>> onRejected) {
			this.actual = actual;
			this.exchangeDone = exchangeDone;
			this.onRejected = onRejected;
		}

		@Override
		public Context currentContext() {
			return this.actual.currentContext();
		}

		@Override
		public void onSubscribe(Subscription s) {
			if (Operators.validate(this.subscription, s)) {
				this.subscription = s;
				this.open.set(true);
				GuardedStream.this.registry.responseOpened();
				Channel channel = GuardedStream.this.channel;
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
			onWritten();
			Mono<Void> done = this.exchangeDone.get();
			if (done != null) {
				done.subscribe(null, (ex) -> closeResponse(), this::closeResponse);
			}
			else {
				closeResponse();
			}
			this.actual.onComplete();
			releaseIfNeverStarted();
		}

		@Override
		public void onError(Throwable failure) {
			Mono<Void> refusal = (failure instanceof StreamRejectedException rejected) ? this.onRejected.apply(rejected)
					: null;
			if (refusal != null) {
				// Refused before anything was committed: the refusal is the response.
				refusal.subscribe(null, this.actual::onError, this.actual::onComplete);
			}
			else {
				onTransportFailure(failure);
				this.actual.onError(failure);
			}
			closeResponse();
			releaseIfNeverStarted();
		}

		@Override
		public void request(long n) {
			Objects.requireNonNull(this.subscription).request(n);
		}

		@Override
		public void cancel() {
			Objects.requireNonNull(this.subscription).cancel();
			closeResponse();
			releaseIfNeverStarted();
		}

		@Override
		public void operationComplete(ChannelFuture closed) {
			closeResponse();
		}

		private void closeResponse() {
			if (this.open.compareAndSet(true, false)) {
				GuardedStream.this.registry.responseClosed();
				Channel channel = GuardedStream.this.channel;
				if (channel != null) {
					// A persistent connection may carry many more exchanges.
					channel.closeFuture().removeListener(this);
				}
			}
		}

		private void releaseIfNeverStarted() {
			if (!GuardedStream.this.started) {
				// The body was never subscribed: nothing else will release what was admitted.
				release();
			}
		}

	}

	private enum Origin {

		/** The upstream completed or failed. */
		UPSTREAM,

		/** The transport cancelled the body. */
		DOWNSTREAM,

		/** The connection closed. */
		CONNECTION,

		/** A timer, an operator or the application. */
		GUARD

	}

	/**
	 * The frames the guard writes on its own into a framed stream.
	 */
	interface FinalFrames {

		/** Return the heartbeat frame, or {@code null} for none. */
		byte @Nullable [] heartbeat();

		/** Return the frame that tells the client why the stream ends, or {@code null}. */
		byte @Nullable [] last(TerminationReason reason);

		/**
		 * Frames of a server-sent event stream: a comment as heartbeat, and one {@code end} event
		 * whose data is the reason's code. The event is never named {@code error}: browsers hand
		 * such an event to {@code onerror} handlers as if the connection had failed, and the
		 * common {@code onerror = () => source.close()} would stop the reconnect. Ends after
		 * which the client should come back (a rotation at {@code max-duration} or at the end of
		 * the lease, a drain) also
		 * carry {@code retry:}, so that an {@code EventSource} resumes after that delay.
		 */
		static FinalFrames serverSentEvents(Duration reconnectDelay) {
			byte[] heartbeat = ":\n\n".getBytes(StandardCharsets.UTF_8);
			byte[][] last = new byte[TerminationReason.values().length][];
			for (TerminationReason reason : TerminationReason.values()) {
				String retry = reconnects(reason) ? "retry: " + reconnectDelay.toMillis() + "\n" : "";
				last[reason.ordinal()] = ("event: " + TerminationReason.END_EVENT + "\n" + retry + "data: " + reason.code() + "\n\n")
					.getBytes(StandardCharsets.UTF_8);
			}
			return new FinalFrames() {

				@Override
				public byte[] heartbeat() {
					return heartbeat;
				}

				@Override
				public byte[] last(TerminationReason reason) {
					return last[reason.ordinal()];
				}

			};
		}

		private static boolean reconnects(TerminationReason reason) {
			return reason == TerminationReason.MAX_DURATION || reason == TerminationReason.LEASE_EXPIRED
					|| reason == TerminationReason.SERVER_SHUTDOWN;
		}

		static FinalFrames ndjson(boolean heartbeats) {
			byte[] heartbeat = heartbeats ? "\n".getBytes(StandardCharsets.UTF_8) : null;
			return new FinalFrames() {

				@Override
				public byte @Nullable [] heartbeat() {
					return heartbeat;
				}

				@Override
				public byte @Nullable [] last(TerminationReason reason) {
					return null;
				}

			};
		}

	}

}
