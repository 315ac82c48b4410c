package dev.streamguard.web;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Supplier;

import dev.streamguard.stream.StreamAdmission;
import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.StreamRejectedException;
import dev.streamguard.stream.StreamWriterPool;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.transport.ChannelWatch;
import dev.streamguard.transport.PeerFailures;
import dev.streamguard.transport.PeerProgress;
import dev.streamguard.transport.TcpInfo;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

import org.springframework.core.io.buffer.DataBufferFactory;

/**
 * One guarded stream: the operator between the body publisher and the transport, and the
 * stream's termination. It maps Reactive Streams demand onto brpc's write/wait model: the
 * upstream gets demand for one element at a time, and only while the connection's write window
 * (Netty's write-buffer water marks) has room.
 * <p>
 * Its state changes in one work-in-progress drain loop (the way Reactor Netty's
 * {@code MonoSendMany} keeps its own): every signal (an element from the source's producer,
 * the transport's demand or cancel, an operator's or the drain's end, a timer, a connection
 * event) is recorded, and whichever thread finds the loop idle runs it while the others leave
 * their signals to it. So the state changes on one thread at a time, no monitor is held while
 * the loop calls the transport or the source, and neither the event loop nor a producer ever
 * waits for the other. The stream starts on the connection's event loop, and timers and
 * connection events drain there. The one decision taken where a signal arrives is the claim of
 * the termination reason, a single compare-and-set, so the stream ends exactly once, with
 * exactly one reason, cancelling its upstream at most once.
 */
final class GuardedStream<T> extends LiveStreamView implements CoreSubscriber<T>, Subscription, Runnable, ChannelWatch.Listener {

	private static final Log logger = LogFactory.getLog(GuardedStream.class);

	/**
	 * Elements the upstream may deliver before the transport asks for them. The transport's
	 * demand can lapse briefly (WebFlux asks for one element before it commits the response,
	 * and for more only once the response is committed); a few parked elements keep hot sources
	 * such as {@code Flux.interval} from overflowing meanwhile, without loosening the bound.
	 */
	static final int PARK_CAPACITY = 8;

	private static final byte[] EMPTY = new byte[0];

	// Passes of the drain loop on an event loop before the rest is left to a task of its own.
	private static final int MAX_PASSES_ON_LOOP = 64;

	@SuppressWarnings("rawtypes")
	private static final AtomicIntegerFieldUpdater<GuardedStream> WIP = AtomicIntegerFieldUpdater
		.newUpdater(GuardedStream.class, "wip");

	@SuppressWarnings("rawtypes")
	private static final AtomicLongFieldUpdater<GuardedStream> REQUESTED = AtomicLongFieldUpdater
		.newUpdater(GuardedStream.class, "requested");

	@SuppressWarnings("rawtypes")
	private static final AtomicLongFieldUpdater<GuardedStream> ASKED = AtomicLongFieldUpdater
		.newUpdater(GuardedStream.class, "asked");

	@SuppressWarnings("rawtypes")
	private static final AtomicReferenceFieldUpdater<GuardedStream, Subscription> UPSTREAM = AtomicReferenceFieldUpdater
		.newUpdater(GuardedStream.class, Subscription.class, "upstream");

	@SuppressWarnings("rawtypes")
	private static final AtomicReferenceFieldUpdater<GuardedStream, CoreSubscriber> ACTUAL = AtomicReferenceFieldUpdater
		.newUpdater(GuardedStream.class, CoreSubscriber.class, "actual");

	@SuppressWarnings("rawtypes")
	private static final AtomicReferenceFieldUpdater<GuardedStream, StreamAdmission.Admitted> ADMISSION = AtomicReferenceFieldUpdater
		.newUpdater(GuardedStream.class, StreamAdmission.Admitted.class, "admission");

	private final StreamRegistry registry;

	private final BodyShape<T> shape;

	private final @Nullable FinalFrames frames;

	private final DataBufferFactory bufferFactory;


	private final StreamTicker ticker;


	// Signals recorded from any thread, for the drain loop.

	private volatile int wip;

	private volatile long requested;

	private volatile @Nullable CoreSubscriber<? super T> actual;

	private volatile @Nullable Subscription upstream;

	// Elements the upstream delivered and the transport has not taken yet, at most
	// PARK_CAPACITY + 1 because the upstream is asked for one at a time: the first in a slot,
	// later ones in a queue created when a second arrives before the first is taken (most
	// streams never need one) and used from then on, so that the order holds.
	private volatile @Nullable T arrivedFirst;

	private volatile @Nullable Queue<T> arrivedMore;

	// Whether the stream is set up, so that signals drain.
	private volatile boolean begun;

	// Whether the source's subscription returned, so that the response may be committed.
	private volatile boolean commitWanted;

	private volatile boolean upstreamDone;

	private volatile @Nullable Throwable upstreamError;

	private volatile boolean cancelled;

	private volatile @Nullable Throwable transportFailure;

	private volatile boolean transportFailed;

	private volatile boolean heartbeatDue;

	// Written by the winner of the reason's claim, before it signals.
	private volatile @Nullable Origin endOrigin;

	private volatile boolean awaitWritten;

	private volatile StreamAdmission.@Nullable Admitted admission;

	private volatile StreamAdmission.@Nullable Admitted firstElementListener;

	// Set before the body is subscribed.
	private @Nullable StreamWriterPool writers;

	// Elements asked of the upstream: claimed one at a time, by the drain loop or by the
	// upstream's own thread right after an element arrives, so that a producer thread need not
	// wait for the event loop between elements.
	private volatile long asked;

	// Written by the drain loop, read by the timers, the view and the upstream's thread.

	private volatile long taken;

	private volatile boolean downstreamDone;

	private volatile long lastEmitNanos = System.nanoTime();

	private volatile long lastDemandNanos = System.nanoTime();

	// Confined to the drain loop.

	private long demand;

	private boolean committed;

	private boolean upstreamEndSeen;

	private boolean transportEndSeen;

	private boolean ended;

	private byte @Nullable [] finalFrame;

	// Groups handed to the transport that it has not taken yet, oldest first.
	private BodyShape.@Nullable CountedGroup unsent;

	private BodyShape.@Nullable CountedGroup unsentLast;

	GuardedStream(String id, String route, String mediaType, @Nullable InetSocketAddress remoteAddress,
			StreamPolicy policy, StreamRegistry registry, BodyShape<T> shape, @Nullable FinalFrames frames,
			DataBufferFactory bufferFactory, @Nullable Channel channel, StreamTicker ticker) {
		super(id, route, mediaType, remoteAddress, policy, channel, shape.framed() && frames != null);
		this.registry = registry;
		this.shape = shape;
		this.frames = shape.framed() ? frames : null;
		this.bufferFactory = bufferFactory;
		this.ticker = ticker;
	}

	StreamRegistry registry() {
		return this.registry;
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
		if (!ACTUAL.compareAndSet(this, null, actual)) {
			Operators.error(actual, new IllegalStateException("Stream " + id() + " allows one subscriber"));
			return;
		}
		EventLoop loop = eventLoop();
		if (loop != null && !loop.inEventLoop()) {
			try {
				loop.execute(() -> begin(source, actual));
				return;
			}
			catch (RejectedExecutionException ex) {
				// The event loop is shutting down, and with it the connection: begin here.
			}
		}
		begin(source, actual);
	}

	private void begin(Publisher<? extends T> source, CoreSubscriber<? super T> actual) {
		long now = System.nanoTime();
		this.startedAtMillis = System.currentTimeMillis();
		this.startNanos = now;
		this.lastEmitNanos = now;
		this.lastDemandNanos = now;
		Channel channel = this.channel;
		if (channel != null) {
			channel.config().setWriteBufferWaterMark(WaterMarks.of(policy()));
			Objects.requireNonNull(this.watcher).attach(this);
		}
		this.registry.register(this);
		if (logger.isDebugEnabled()) {
			logger.debug(logPrefix() + "Stream started on " + route() + " (" + mediaType() + ")");
		}
		actual.onSubscribe(this);
		this.timers.start(this.ticker, now);
		this.begun = true;
		if (channel != null && !channel.isActive()) {
			onConnectionClosed();
		}
		source.subscribe(this);
		// Headers now rather than with the first element: WebFlux commits a response when its
		// body's first element arrives, so a quiet stream would otherwise leave an EventSource
		// unopened and a proxy waiting for headers until it times out. A source that fails at
		// once (refused at subscription) still fails before the commit, so that its error can
		// become a proper response.
		this.commitWanted = true;
		signal();
	}

	private @Nullable EventLoop eventLoop() {
		Channel channel = this.channel;
		return (channel != null) ? channel.eventLoop() : null;
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
		return StreamContext.of(context, this, this.writers);
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
			signal();
		}
	}

	@Override
	public void onNext(T element) {
		TerminationReason reason = reason();
		if (this.cancelled || (reason != null && reason != TerminationReason.COMPLETED)) {
			// The transport has let go: release here, nothing will take the element.
			this.shape.discard(element);
			return;
		}
		offerArrived(element);
		// The upstream signals serially: a single writer.
		this.elements = this.elements + 1;
		signal();
		requestMore();
	}

	@Override
	public void onError(Throwable ex) {
		this.upstreamError = ex;
		this.upstreamDone = true;
		signal();
	}

	@Override
	public void onComplete() {
		this.upstreamDone = true;
		signal();
	}

	// Downstream side

	@Override
	public void request(long n) {
		if (Operators.validate(n)) {
			Operators.addCap(REQUESTED, this, n);
			signal();
		}
	}

	@Override
	public void cancel() {
		this.cancelled = true;
		signal();
	}

	// Transport signals, on the connection's event loop

	@Override
	public void onWritabilityChanged() {
		Channel channel = this.channel;
		if (channel != null && !channel.isWritable()) {
			this.windowFull = this.windowFull + 1;
			// A stream that looked healthy is not ticked every round: its stall check starts now.
			this.timers.wake(this.ticker);
		}
		signal();
	}

	@Override
	public void onConnectionClosed() {
		end(classifyConnectionEnd(), Origin.CONNECTION);
	}

	void onTransportFailure(Throwable failure) {
		this.transportFailure = failure;
		this.transportFailed = true;
		signal();
	}

	/**
	 * Whether the guard ended the stream for a reason of its own and cut it (no final frame
	 * completes it): a failure of the transport's write after that is the cut's echo.
	 */
	boolean cutByGuard() {
		TerminationReason reason = reason();
		return reason != null && reason != TerminationReason.COMPLETED && this.endOrigin == Origin.GUARD
				&& this.finalFrame == null;
	}

	void onWritten() {
		if (this.upstreamDone && this.upstreamError == null) {
			end(TerminationReason.COMPLETED, Origin.UPSTREAM);
		}
	}

	@Override
	void heartbeatDue() {
		this.heartbeatDue = true;
		signal();
	}

	/**
	 * Track the transport's write of this stream's body, as {@link WriteTracker} describes; a
	 * refused source fails the write.
	 * @param write the transport's write
	 * @param exchangeDone what completes once the exchange has written its last bytes, or
	 * returns {@code null} when the server does not tell
	 */
	Mono<Void> track(Mono<Void> write, Supplier<@Nullable Mono<Void>> exchangeDone) {
		return track(write, new WriteTracker.Exchange() {

			@Override
			public @Nullable Mono<Void> done() {
				return exchangeDone.get();
			}

			@Override
			public @Nullable Mono<Void> refusal(StreamRejectedException rejected) {
				return null;
			}

		});
	}

	/**
	 * Track the transport's write of this stream's body, as {@link WriteTracker} describes.
	 * @param write the transport's write
	 * @param exchange the exchange whose body it is
	 */
	Mono<Void> track(Mono<Void> write, WriteTracker.Exchange exchange) {
		this.awaitWritten = true;
		return new Mono<>() {

			@Override
			public void subscribe(CoreSubscriber<? super Void> actual) {
				write.subscribe(new WriteTracker(GuardedStream.this, actual, exchange));
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

	void releaseIfNeverStarted() {
		if (this.actual == null) {
			// The body was never subscribed: nothing else will release what was admitted.
			release();
		}
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

	// Read by the timers

	@Override
	boolean waitingForUpstream() {
		return !this.upstreamDone && this.asked > this.elements;
	}

	@Override
	long lastEmitNanos() {
		return this.lastEmitNanos;
	}

	@Override
	long lastDemandNanos() {
		return this.lastDemandNanos;
	}

	// Termination

	@Override
	public boolean end(TerminationReason reason) {
		return end(Objects.requireNonNull(reason, "reason"), Origin.GUARD);
	}

	private boolean end(TerminationReason reason, Origin origin) {
		if (!claim(reason)) {
			return false;
		}
		this.endOrigin = origin;
		signal();
		return true;
	}

	private TerminationReason classifyConnectionEnd() {
		Throwable failure = this.transportFailure;
		if (failure == null && this.watcher != null) {
			failure = this.watcher.lastFailure();
		}
		TcpInfo info = this.timers.lastTcpInfo();
		if (logger.isDebugEnabled()) {
			logger.debug(logPrefix() + "Connection ended, last transport failure: " + failure + ", TCP_INFO: " + info);
		}
		PeerProgress progress = this.progress;
		if (progress != null && progress.timedOut() != null) {
			return TerminationReason.PEER_UNRESPONSIVE;
		}
		// An HTTP/2 stream is closed by its connection: the socket's own failure names the end.
		Throwable connectionFailure = (progress != null && this.connection != this.channel) ? progress.failure() : null;
		if (connectionFailure != null && !PeerFailures.isPeerUnresponsive(failure)) {
			failure = connectionFailure;
		}
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

	// The drain loop

	/**
	 * Have the drain loop see what was recorded: the thread that finds it idle runs it, and a
	 * thread that finds it running leaves the signal to it, so the loop runs on one thread at a
	 * time and nothing waits. Elements from a producer thread are handed on from that thread,
	 * as they are without the guard: the transport moves them to the event loop itself, in
	 * batches (a hop of the guard's own would make the transport write and flush one element
	 * per event-loop task, a fifth of the rate for small items).
	 */
	private void signal() {
		if (!this.begun || WIP.getAndIncrement(this) != 0) {
			// Before the stream is set up its start drains; later, the loop that runs sees it.
			return;
		}
		drain();
	}

	@Override
	public void run() {
		drain();
	}

	private void drain() {
		EventLoop loop = eventLoop();
		boolean onLoop = loop != null && loop.inEventLoop();
		int missed = 1;
		for (int passes = 1;; passes++) {
			drainOnce(Objects.requireNonNull(this.actual));
			missed = WIP.addAndGet(this, -missed);
			if (missed == 0) {
				return;
			}
			if (onLoop && passes >= MAX_PASSES_ON_LOOP) {
				// A producer that keeps the loop busy does not starve the connection's other
				// work: the rest runs as a task of its own, after what is queued on the loop.
				try {
					loop.execute(this);
					return;
				}
				catch (RejectedExecutionException ex) {
					// Shutting down: finish here.
				}
			}
		}
	}

	private void drainOnce(CoreSubscriber<? super T> actual) {
		this.demand = Operators.addCap(this.demand, REQUESTED.getAndSet(this, 0));
		TerminationReason reason = reason();
		if (!this.downstreamDone && !this.cancelled && (reason == null || reason == TerminationReason.COMPLETED)) {
			emit(actual);
		}
		else {
			discardArrived();
		}
		decideEnd();
		reason = reason();
		Origin origin = this.endOrigin;
		if (reason != null && origin != null && !this.ended) {
			this.ended = true;
			applyEnd(actual, reason, origin);
		}
		finishDownstream(actual);
		requestMore();
		if (this.cancelled) {
			releaseUnsent();
		}
		if (this.downstreamDone || this.cancelled) {
			// Let go of the transport's subscriber: whoever still holds the body does not keep it.
			this.actual = Operators.emptySubscriber();
		}
	}

	/**
	 * Hand the transport what it asked for: the empty element that commits the response
	 * first, before any element of the source (WebFlux holds the first element while it
	 * commits, and releases a held buffer if the exchange ends meanwhile, but not a held group
	 * of buffers, which would leak), then the source's elements, then a heartbeat if one is due
	 * and nothing else is to be written.
	 */
	private void emit(CoreSubscriber<? super T> actual) {
		if (!this.committed) {
			boolean wanted = !noneArrived() || (this.commitWanted && !this.upstreamDone);
			if (!wanted || this.demand == 0) {
				return;
			}
			this.committed = true;
			emitOwn(actual, EMPTY);
		}
		if (this.elements > 0) {
			firstElement();
		}
		T element;
		// Only while the window has room: an element the upstream delivered ahead waits here,
		// so that the transport never holds more than the window and one element.
		while (this.demand > 0 && !this.cancelled && windowHasRoom() && (element = pollArrived()) != null) {
			this.taken++;
			this.demand--;
			this.lastEmitNanos = System.nanoTime();
			T counted = this.shape.counted(element, this);
			actual.onNext(counted);
			if (counted instanceof BodyShape.CountedGroup group) {
				handedOver(group);
			}
		}
		if (this.heartbeatDue) {
			this.heartbeatDue = false;
			FinalFrames frames = this.frames;
			byte[] heartbeat = (frames != null) ? frames.heartbeat() : null;
			if (heartbeat != null && this.demand > 0 && noneArrived() && !this.upstreamDone) {
				emitOwn(actual, heartbeat);
			}
		}
	}

	private void emitOwn(CoreSubscriber<? super T> actual, byte[] frame) {
		this.demand--;
		this.lastEmitNanos = System.nanoTime();
		addBytes(frame.length);
		actual.onNext(this.shape.of(this.bufferFactory.wrap(frame)));
	}

	/**
	 * Remember a group handed to the transport until it takes it. Groups wait in the
	 * transport's queue (Reactor Netty prefetches them), and a transport that cancels drops them
	 * unsubscribed. They are taken in order: a group taken while it was handed over (the
	 * transport was idle, the common case) means every group before it was taken too, so
	 * nothing is remembered and the previous groups are not touched; otherwise the taken ones
	 * leave from the front.
	 */
	private void handedOver(BodyShape.CountedGroup group) {
		if (group.taken()) {
			this.unsent = null;
			this.unsentLast = null;
			return;
		}
		BodyShape.CountedGroup first = this.unsent;
		while (first != null && first.taken()) {
			first = first.next;
		}
		if (first == null) {
			this.unsent = group;
		}
		else {
			this.unsent = first;
			Objects.requireNonNull(this.unsentLast).next = group;
		}
		this.unsentLast = group;
	}

	/** Release the groups the transport will never take: it cancelled. */
	private void releaseUnsent() {
		for (BodyShape.CountedGroup group = this.unsent; group != null; group = group.next) {
			group.releaseIfUnsent();
		}
		this.unsent = null;
		this.unsentLast = null;
	}

	// The upstream's side: a single writer.
	private void offerArrived(T element) {
		Queue<T> more = this.arrivedMore;
		if (more == null) {
			if (this.arrivedFirst == null) {
				this.arrivedFirst = element;
				return;
			}
			more = Queues.<T>unboundedMultiproducer().get();
			this.arrivedMore = more;
		}
		more.offer(element);
	}

	// The drain loop's side.
	private @Nullable T pollArrived() {
		T first = this.arrivedFirst;
		if (first != null) {
			this.arrivedFirst = null;
			return first;
		}
		Queue<T> more = this.arrivedMore;
		return (more != null) ? more.poll() : null;
	}

	private boolean noneArrived() {
		Queue<T> more = this.arrivedMore;
		return this.arrivedFirst == null && (more == null || more.isEmpty());
	}

	private void discardArrived() {
		for (T element; (element = pollArrived()) != null;) {
			this.taken++;
			this.shape.discard(element);
		}
	}

	/** Turn what the upstream and the transport told into the stream's reason. */
	private void decideEnd() {
		if (this.upstreamDone && !this.upstreamEndSeen) {
			this.upstreamEndSeen = true;
			Throwable error = this.upstreamError;
			if (error != null) {
				// A source that cannot be served now (no writer thread) refuses rather than fails.
				TerminationReason reason = (error instanceof StreamRejectedException) ? TerminationReason.REJECTED
						: TerminationReason.UPSTREAM_ERROR;
				if (end(reason, Origin.UPSTREAM)) {
					if (logger.isDebugEnabled()) {
						logger.debug(logPrefix() + "Upstream failed", error);
					}
				}
				else if (logger.isDebugEnabled()) {
					// Its end was decided before, for another reason: nothing is lost.
					logger.debug(logPrefix() + "Upstream failed after the stream ended", error);
				}
			}
			else if (!this.awaitWritten) {
				end(TerminationReason.COMPLETED, Origin.UPSTREAM);
			}
			// Otherwise the stream is COMPLETED once the transport has written everything
			// (onWritten), and ends for the connection's reason if it goes away before.
		}
		if ((this.cancelled || this.transportFailed) && !this.transportEndSeen && reason() == null) {
			this.transportEndSeen = true;
			// The transport may be cancelling because a write failed, and the failure reaches the
			// connection's handlers right after the cancel: decide once both are in.
			EventLoop loop = eventLoop();
			if (loop != null) {
				try {
					loop.execute(() -> end(classifyConnectionEnd(), Origin.DOWNSTREAM));
					return;
				}
				catch (RejectedExecutionException ex) {
					// Event loop shutting down: decide now.
				}
			}
			end(classifyConnectionEnd(), Origin.DOWNSTREAM);
		}
	}

	private void applyEnd(CoreSubscriber<? super T> actual, TerminationReason reason, Origin origin) {
		this.timers.stop(this.ticker);
		if (origin != Origin.UPSTREAM && !this.upstreamDone) {
			Operators.terminate(UPSTREAM, this);
		}
		if (reason != TerminationReason.COMPLETED) {
			discardArrived();
		}
		if (this.watcher != null) {
			this.watcher.detach(this);
		}
		release();
		this.registry.unregister(this, reason);
		if (origin == Origin.GUARD) {
			closeOnOwnTerms(actual, reason);
		}
		else if (origin == Origin.UPSTREAM && !this.downstreamDone) {
			Throwable error = this.upstreamError;
			if (error != null) {
				this.downstreamDone = true;
				actual.onError(error);
			}
		}
	}

	/**
	 * End the response for a reason of the guard's own: framed streams whose connection can
	 * still take bytes get a final frame naming the reason and a clean end; anything else is
	 * cut, so that a client never mistakes a truncated body for a complete one.
	 */
	private void closeOnOwnTerms(CoreSubscriber<? super T> actual, TerminationReason reason) {
		Channel channel = this.channel;
		FinalFrames frames = this.frames;
		// A shutdown frame is worth queueing behind a full window: the drain waits for it.
		boolean connectionUsable = channel == null || (channel.isActive()
				&& (channel.isWritable() || reason == TerminationReason.SERVER_SHUTDOWN));
		byte[] last = (frames != null && reason != TerminationReason.STALLED && connectionUsable)
				? frames.last(reason) : null;
		if (last != null) {
			if (!this.downstreamDone && !this.cancelled) {
				// Written as soon as the transport asks (WebFlux asks for more only once the
				// response is committed); the response completes after it.
				this.finalFrame = last;
			}
			return;
		}
		if (channel != null) {
			if (logger.isDebugEnabled()) {
				logger.debug(logPrefix() + "Closing the connection: " + reason + " (active: " + channel.isActive()
						+ ", writable: " + channel.isWritable() + ", pending: " + pendingBytes() + ", frames: "
						+ (frames != null) + ")");
			}
			if (channel == this.connection && (reason == TerminationReason.PEER_UNRESPONSIVE
					|| reason == TerminationReason.STALLED)) {
				// Nobody will read what the kernel still holds for this peer.
				PeerProgress.abort(channel);
			}
			channel.close();
		}
		else if (!this.downstreamDone) {
			this.downstreamDone = true;
			actual.onError(new StreamEndedException(reason));
		}
	}

	private void finishDownstream(CoreSubscriber<? super T> actual) {
		if (this.downstreamDone || this.cancelled) {
			return;
		}
		byte[] last = this.finalFrame;
		if (last != null) {
			if (this.demand > 0) {
				this.finalFrame = null;
				emitOwn(actual, last);
				complete(actual);
			}
			return;
		}
		// A stream that ended for any other reason than its source's end was cut, not completed.
		boolean cut = this.ended && this.endOrigin != Origin.UPSTREAM;
		if (this.upstreamDone && this.upstreamError == null && noneArrived() && !cut) {
			complete(actual);
		}
	}

	private void complete(CoreSubscriber<? super T> actual) {
		this.downstreamDone = true;
		actual.onComplete();
	}

	/**
	 * Ask the upstream for one more element, if none is pending, fewer than
	 * {@link #PARK_CAPACITY} wait for the transport, and the write window has room. Runs on the
	 * drain loop and on the upstream's thread; the claim of {@link #asked} makes one request
	 * per element.
	 */
	private void requestMore() {
		Subscription s = this.upstream;
		if (s == null || reason() != null || this.upstreamDone || this.cancelled || this.downstreamDone) {
			return;
		}
		long asked = this.asked;
		long elements = this.elements;
		if (asked > elements || elements - this.taken >= PARK_CAPACITY || !windowHasRoom()
				|| !ASKED.compareAndSet(this, asked, asked + 1)) {
			return;
		}
		this.lastDemandNanos = System.nanoTime();
		s.request(1);
	}

	private enum Origin {

		/** The upstream completed or failed. */
		UPSTREAM,

		/** The transport cancelled the body or its write failed. */
		DOWNSTREAM,

		/** The connection closed. */
		CONNECTION,

		/** A timer, an operator or the application. */
		GUARD

	}

}
