package dev.streamguard.transport;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Per-connection view of whether the peer takes what is sent, from the kernel's TCP_INFO, and
 * keeper of the part of TCP_USER_TIMEOUT that the kernel gets wrong for live readers.
 * <p>
 * Progress is data put on the wire and acknowledged, sampled while the connection has data in
 * flight or held back: it does not depend on element sizes or on whether the bytes wait in
 * the process or in the kernel's send buffer (several megabytes that a slow reader takes
 * minutes to drain, while no byte leaves the process).
 * <p>
 * Linux applies TCP_USER_TIMEOUT to zero-window probing by the time since the first probe,
 * and resets that clock only when the window opens wide enough for the whole head of the send
 * queue: a live reader that opens its window a little at a time is cut although it answers
 * every probe and takes data all along. So once data is seen waiting on a connection, the
 * kernel's user timeout is lifted from it for the rest of its life (a stale probe clock would
 * otherwise end it at its next closed window) and this handler applies it instead, to what it
 * is for: the connection is closed when the peer acknowledges nothing for the user timeout
 * while data is in flight, or three window probes in a row go unanswered past it. A
 * peer that acknowledges but keeps its window closed is alive; whether it reads too slowly is
 * the stall timeout's call, per stream (a Linux receiver keeps its window closed until a
 * sixteenth of its largest receive buffer is free: 384 KB of the default 6 MB, 19 s at
 * 20 KB/s).
 * @since 0.2.0
 */
public final class PeerProgress extends ChannelDuplexHandler {

	static final String NAME = "streamguard.progress";

	private static final Log logger = LogFactory.getLog(PeerProgress.class);

	/** Written bytes after which a connection is sampled although it stays writable. */
	static final long SAMPLE_AFTER_BYTES = 64 * 1024;

	private static final long MAX_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);

	private static final long MIN_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	/**
	 * How long a connection must look drained before sampling stops: longer than the kernel
	 * takes to send its first zero-window probe (one retransmission timeout, at least 200 ms),
	 * after which a closed window shows as a backed-off timer.
	 */
	private static final long MIN_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(600);

	/**
	 * Unanswered zero-window probes in a row that make a peer silent rather than slow: one may
	 * go unanswered on a live peer (rate limit, a lost answer on a lossy link), and three in a
	 * row make a false positive unlikely even at a few percent of loss.
	 */
	private static final int SILENT_PROBES = 3;

	/**
	 * Retransmissions in a row of the oldest unacknowledged data that make a peer silent: time
	 * alone is not enough, because after a closed window or a loss the kernel's retransmission
	 * timer may be backed off past the user timeout, and a live peer on a lossy link then goes
	 * without an acknowledgement that long for want of anything to answer.
	 */
	private static final int SILENT_RETRANSMITS = 3;

	private final long userTimeoutNanos;

	// Confined to the event loop.
	private @Nullable ChannelHandlerContext context;

	private @Nullable ScheduledFuture<?> sampling;

	private long writtenSinceQuiet;

	private long lastSampleNanos;

	private long quietSinceNanos;

	private boolean lifted;

	private @Nullable RequestHeaderDeadline rawReads;

	// Read by streams and the streams endpoint.
	private volatile @Nullable TcpInfo lastSample;

	private volatile long lastProgressNanos = System.nanoTime();

	private volatile boolean holding;

	private volatile @Nullable PeerTimeoutException timedOut;

	private volatile @Nullable Throwable failure;

	private PeerProgress(@Nullable Duration userTimeout) {
		this.userTimeoutNanos = (userTimeout != null && !userTimeout.isZero() && !userTimeout.isNegative()) ? userTimeout.toNanos() : 0;
	}

	/** How often a connection is sampled while data waits: a quarter of the user timeout. */
	private long periodNanos() {
		long period = (this.userTimeoutNanos > 0) ? this.userTimeoutNanos / 4 : MAX_PERIOD_NANOS;
		return Math.max(MIN_PERIOD_NANOS, Math.min(MAX_PERIOD_NANOS, period));
	}

	/**
	 * Watch the given connection, where its transport offers TCP_INFO (epoll).
	 * @param channel an accepted connection
	 * @param userTimeout the user timeout in effect on its socket, {@code null} for none
	 * @return whether the connection is watched
	 */
	public static boolean install(Channel channel, @Nullable Duration userTimeout) {
		if (TransportKind.of(channel) != TransportKind.EPOLL || !TcpInfo.available()
				|| channel.pipeline().get(NAME) != null) {
			return false;
		}
		channel.pipeline().addFirst(NAME, new PeerProgress(userTimeout));
		return true;
	}

	/**
	 * Return the watcher of the given connection.
	 * @param channel the connection
	 * @return its watcher, {@code null} where the connection is not watched
	 */
	public static @Nullable PeerProgress of(Channel channel) {
		return (PeerProgress) channel.pipeline().get(NAME);
	}

	/**
	 * Whether the kernel holds data for the peer: in flight or kept back by a closed window, as
	 * of the last sample.
	 * @return {@code true} while data waits on the peer
	 */
	public boolean holding() {
		return this.holding;
	}

	/**
	 * Return when the peer last took data, in {@link System#nanoTime()} terms: data sent and
	 * acknowledged between two samples, or the connection found drained.
	 * @return the time of the last progress
	 */
	public long lastProgressNanos() {
		return this.lastProgressNanos;
	}

	/**
	 * Return the last TCP_INFO sample.
	 * @return the sample, {@code null} before the first one
	 */
	public @Nullable TcpInfo lastSample() {
		return this.lastSample;
	}

	/**
	 * Return why this handler closed the connection: the peer went silent.
	 * @return the reason, {@code null} if it did not
	 */
	public @Nullable PeerTimeoutException timedOut() {
		return this.timedOut;
	}

	/**
	 * Return the first failure the connection's socket reported on a read. Over HTTP/2 the
	 * streams are channels of their own, closed by the connection without the error that closed
	 * it: this is where they learn it. (A failed write of the socket fails the promises of the
	 * streams' writes, which their own channels see.)
	 * @return the failure, {@code null} while there was none
	 */
	public @Nullable Throwable failure() {
		return this.failure;
	}

	/**
	 * Record that another watcher of the connection found the peer silent and closes the
	 * connection (an HTTP/2 PING left unanswered), so that its streams are named as this
	 * handler's own close names them.
	 */
	void peerSilent(PeerTimeoutException reason) {
		this.timedOut = reason;
	}

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) {
		this.context = ctx;
	}

	/**
	 * Pass the raw bytes of every read to the connection's request-header deadline, which
	 * would otherwise need a handler of its own before the HTTP codec.
	 */
	void rawReadsTo(@Nullable RequestHeaderDeadline deadline) {
		this.rawReads = deadline;
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
		RequestHeaderDeadline rawReads = this.rawReads;
		if (rawReads != null) {
			rawReads.rawRead(ctx, msg);
		}
		ctx.fireChannelRead(msg);
	}

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
		if (this.sampling == null) {
			this.writtenSinceQuiet += size(msg);
			// Once the kernel's timeout is lifted, every write may need the bound applied.
			if (this.lifted || this.writtenSinceQuiet >= SAMPLE_AFTER_BYTES) {
				startSampling(ctx);
			}
		}
		ctx.write(msg, promise);
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
		recordFailure(cause);
		ctx.fireExceptionCaught(cause);
	}

	private void recordFailure(Throwable cause) {
		if (this.failure == null && !(cause instanceof ClosedChannelException)) {
			this.failure = cause;
		}
	}

	@Override
	public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
		if (!ctx.channel().isWritable()) {
			startSampling(ctx);
		}
		ctx.fireChannelWritabilityChanged();
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) throws Exception {
		stopSampling();
		this.holding = false;
		ctx.fireChannelInactive();
	}

	@Override
	public void handlerRemoved(ChannelHandlerContext ctx) {
		stopSampling();
	}

	private static long size(Object msg) {
		if (msg instanceof ByteBuf buffer) {
			return buffer.readableBytes();
		}
		if (msg instanceof ByteBufHolder holder) {
			return holder.content().readableBytes();
		}
		if (msg instanceof FileRegion region) {
			return region.count();
		}
		return 0;
	}

	private void startSampling(ChannelHandlerContext ctx) {
		if (this.sampling != null || !ctx.channel().isActive()) {
			return;
		}
		this.lastSampleNanos = System.nanoTime();
		this.quietSinceNanos = 0;
		long period = periodNanos();
		this.sampling = ctx.executor().scheduleAtFixedRate(this::sample, period, period, TimeUnit.NANOSECONDS);
	}

	private void stopSampling() {
		ScheduledFuture<?> sampling = this.sampling;
		if (sampling != null) {
			sampling.cancel(false);
			this.sampling = null;
		}
	}

	void sample() {
		ChannelHandlerContext ctx = this.context;
		Channel channel = (ctx != null) ? ctx.channel() : null;
		TcpInfo info = (channel != null && channel.isActive()) ? TcpInfo.read(channel).orElse(null) : null;
		if (channel == null || info == null) {
			stopSampling();
			return;
		}
		long now = System.nanoTime();
		long elapsed = now - this.lastSampleNanos;
		this.lastSampleNanos = now;
		this.lastSample = info;
		if (logger.isTraceEnabled()) {
			logger.trace("[" + channel + "] sample after " + elapsed / 1_000_000 + " ms, writable " + channel.isWritable()
					+ ", lifted " + this.lifted + ": " + info);
		}
		if (channel.isWritable() && info.quiet()) {
			this.holding = false;
			this.lastProgressNanos = now;
			if (this.quietSinceNanos == 0) {
				this.quietSinceNanos = now;
			}
			else if (now - this.quietSinceNanos >= MIN_QUIET_NANOS) {
				this.writtenSinceQuiet = 0;
				stopSampling();
			}
			return;
		}
		this.quietSinceNanos = 0;
		this.holding = true;
		long sinceAck = info.sinceLastAck().toNanos();
		if (info.sinceLastDataSent().toNanos() < elapsed && sinceAck < elapsed) {
			// Data went out and the peer acknowledged since the last sample.
			this.lastProgressNanos = Math.max(this.lastProgressNanos, now - sinceAck);
		}
		if (this.userTimeoutNanos == 0) {
			return;
		}
		// Lifted as soon as data waits, not only once a closed window is caught in a sample: a
		// slow reader's closed-window spells may be shorter than the sampling period, and the
		// kernel adds them up.
		if (!this.lifted) {
			lift(channel);
		}
		if (this.lifted) {
			applyUserTimeout(channel, info);
		}
	}

	private void lift(Channel channel) {
		try {
			channel.config().setOption(EpollUserTimeout.OPTION, 0);
			this.lifted = true;
			if (logger.isDebugEnabled()) {
				logger.debug("[" + channel + "] Data waits on the peer: its user timeout is applied by"
						+ " acknowledgements from now on");
			}
		}
		catch (RuntimeException ex) {
			// Closed concurrently; nothing left to protect.
			stopSampling();
		}
	}

	/**
	 * Whether the kernel's view shows a silent peer: data in flight retransmitted three times in
	 * a row, or a closed window whose probes went unanswered three times in a row, and no
	 * acknowledgement for the user timeout. A live receiver may leave a probe unanswered now and
	 * then (Linux answers out-of-window segments at most once per 500 ms; an answer may be lost).
	 */
	static boolean silent(TcpInfo info, long userTimeoutNanos) {
		boolean unanswered = (info.unacked() > 0 && info.retransmits() >= SILENT_RETRANSMITS)
				|| info.zeroWindowProbes() >= SILENT_PROBES;
		return unanswered && info.sinceLastAck().toNanos() >= userTimeoutNanos;
	}

	private void applyUserTimeout(Channel channel, TcpInfo info) {
		if (silent(info, this.userTimeoutNanos)) {
			PeerTimeoutException timedOut = new PeerTimeoutException(
					"Peer acknowledged nothing for " + Duration.ofNanos(this.userTimeoutNanos) + " (" + info + ")");
			this.timedOut = timedOut;
			if (logger.isDebugEnabled()) {
				logger.debug("[" + channel + "] Closing: " + timedOut.getMessage());
			}
			stopSampling();
			// Closed from here, next to the socket: the handlers behind would close gracefully,
			// and HTTP/2's graceful close waits to send a GOAWAY the peer will never take.
			ChannelHandlerContext context = this.context;
			abort(channel);
			if (context != null) {
				context.close();
			}
			else {
				channel.close();
			}
		}
	}

	/**
	 * Make the coming close of a silent peer's connection a reset: a plain close leaves the
	 * socket in FIN-WAIT-1 with its send queue (megabytes) held by the kernel until it gives up
	 * retransmitting, over a minute and a half here, although the stream ended long before.
	 * With SO_LINGER 0 the kernel sends a RST and frees the queue at once.
	 * @param channel the connection about to be closed
	 * @since 0.2.0
	 */
	public static void abort(Channel channel) {
		try {
			channel.config().setOption(ChannelOption.SO_LINGER, 0);
		}
		catch (RuntimeException ex) {
			// Closed concurrently, or a transport without the option: a plain close then.
		}
	}

	/**
	 * Why a connection was closed for its user timeout while the kernel's was lifted: the peer
	 * acknowledged nothing for that long.
	 */
	public static final class PeerTimeoutException extends IOException {

		private static final long serialVersionUID = 1L;

		PeerTimeoutException(String message) {
			super(message, null);
		}

		@Override
		public synchronized Throwable fillInStackTrace() {
			return this;
		}

	}

	// Loads the native epoll classes only where epoll is in use.
	private static final class EpollUserTimeout {

		static final io.netty.channel.ChannelOption<Integer> OPTION = io.netty.channel.epoll.EpollChannelOption.TCP_USER_TIMEOUT;

	}

}
