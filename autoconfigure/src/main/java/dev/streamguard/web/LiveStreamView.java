package dev.streamguard.web;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.transport.ChannelWatch;
import dev.streamguard.transport.PeerProgress;
import dev.streamguard.transport.TcpInfo;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http2.Http2StreamChannel;
import org.jspecify.annotations.Nullable;

/**
 * What a guarded stream shows the registry, the Actuator and listeners: its identity, its
 * counters and its state, readable from any thread. The stream's event loop writes the
 * counters; the one decision taken off it is the claim of the termination reason, a single
 * compare-and-set, so that {@link #end(TerminationReason)} can answer whether it ended the
 * stream.
 */
abstract class LiveStreamView implements LiveStream {

	private static final AtomicReferenceFieldUpdater<LiveStreamView, TerminationReason> REASON = AtomicReferenceFieldUpdater
		.newUpdater(LiveStreamView.class, TerminationReason.class, "reason");

	private static final AtomicLongFieldUpdater<LiveStreamView> BYTES = AtomicLongFieldUpdater
		.newUpdater(LiveStreamView.class, "bytes");

	private final String id;

	private final String route;

	private final String mediaType;

	private final @Nullable InetSocketAddress remoteAddress;

	private final StreamPolicy policy;

	final @Nullable Channel channel;

	// The TCP connection: the channel itself, or the parent of an HTTP/2 stream's channel.
	final @Nullable Channel connection;

	/** The handler next to the stream's channel that reports its writes and its end. */
	final @Nullable ChannelWatch watcher;

	// The kernel's view of the connection, where the transport offers TCP_INFO.
	final @Nullable PeerProgress progress;

	final StreamTimers timers;

	private volatile long bytes;

	// Written by the stream's event loop only.
	volatile long elements;

	volatile long windowFull;

	volatile long startedAtMillis = System.currentTimeMillis();

	volatile long startNanos = System.nanoTime();

	private volatile long endNanos;

	private volatile @Nullable TerminationReason reason;

	LiveStreamView(String id, String route, String mediaType, @Nullable InetSocketAddress remoteAddress,
			StreamPolicy policy, @Nullable Channel channel, boolean framed) {
		this.id = id;
		this.route = route;
		this.mediaType = mediaType;
		this.remoteAddress = remoteAddress;
		this.policy = policy;
		this.channel = channel;
		this.connection = connectionOf(channel);
		this.watcher = (channel != null) ? ChannelWatcher.install(channel) : null;
		this.progress = (this.connection != null) ? PeerProgress.of(this.connection) : null;
		this.timers = new StreamTimers(this, framed);
	}

	/**
	 * Return the TCP connection a stream's channel belongs to. An HTTP/2 stream has a channel
	 * of its own, whose parent carries the socket, its TCP_INFO and the connection's handlers;
	 * the parent of an accepted HTTP/1.1 connection is the server's listening channel, so only
	 * an HTTP/2 stream looks up.
	 */
	private static @Nullable Channel connectionOf(@Nullable Channel channel) {
		if (channel instanceof Http2StreamChannel && channel.parent() != null) {
			return channel.parent();
		}
		return channel;
	}

	/**
	 * Claim the stream's end for the given reason.
	 * @return whether this call decided the reason
	 */
	final boolean claim(TerminationReason reason) {
		if (REASON.compareAndSet(this, null, reason)) {
			this.endNanos = System.nanoTime();
			return true;
		}
		return false;
	}

	final @Nullable TerminationReason reason() {
		return this.reason;
	}

	final void addBytes(long count) {
		BYTES.addAndGet(this, count);
	}

	/** Whether the stream waits for the next element of its source. */
	abstract boolean waitingForUpstream();

	/** When the stream last handed an element or a frame of its own to the transport. */
	abstract long lastEmitNanos();

	/** When the stream last asked its source for an element. */
	abstract long lastDemandNanos();

	/** Ask for a heartbeat frame, written once the transport takes one. */
	abstract void heartbeatDue();

	final String logPrefix() {
		return (this.channel != null) ? "[" + this.channel + "] [" + this.id + "] " : "[" + this.id + "] ";
	}

	final boolean windowHasRoom() {
		Channel channel = this.channel;
		return channel == null || channel.isWritable();
	}

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
		return (this.reason == null) ? this.timers.sendRate() : 0;
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
		if (buffer != null) {
			return buffer.totalPendingWriteBytes();
		}
		// An HTTP/2 stream's channel hands its writes to the connection at once, where they wait
		// for the flow-control windows: pending is what was written and not yet sent.
		ChannelWatch watcher = this.watcher;
		return (watcher != null) ? watcher.pendingBytes() : 0;
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
		return Duration.ofNanos(System.nanoTime() - this.timers.lastProgressNanos());
	}

	@Override
	public Optional<TcpInfo> tcpInfo() {
		Channel connection = this.connection;
		return (connection != null && this.reason == null) ? TcpInfo.read(connection) : Optional.empty();
	}

	@Override
	public Optional<String> connectionId() {
		Channel connection = this.connection;
		return (connection != null) ? Optional.of(connection.id().asShortText()) : Optional.empty();
	}

	@Override
	public String protocol() {
		return (this.channel instanceof Http2StreamChannel) ? "HTTP/2" : "HTTP/1.1";
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

}
