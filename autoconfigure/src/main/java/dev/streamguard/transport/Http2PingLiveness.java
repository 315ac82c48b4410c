package dev.streamguard.transport;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/2 PING with an ack timeout on a server connection. When nothing has arrived from the
 * peer for the interval, the connection is sent a PING; when nothing arrives, not even the
 * PING's acknowledgement, within the ack timeout after the PING was handed to the socket, the
 * connection is closed next to the socket and every stream on it learns that the peer stopped
 * responding (a {@link PingTimeoutException}, which {@link PeerFailures} counts as
 * unresponsive).
 * <p>
 * Reactor Netty's own liveness check ({@code Http2SettingsSpec.pingAckTimeout}) does not fit
 * long-lived streams: the server sends its PING only when the connection has been idle in both
 * directions for {@code idleTimeout}, which a connection carrying a stream being written never
 * is, and it needs an idle timeout that would close connections whose streams are quiet.
 * <p>
 * A PING is queued behind the data sent before it. While the kernel shows the peer
 * acknowledging that data ({@link PeerProgress}), a late acknowledgement means a slow reader,
 * not a silent one, and the ack timeout waits for it; a peer that acknowledges nothing is left
 * to the user timeout and the stall timeout as before.
 *
 * @since 0.2.0
 */
public final class Http2PingLiveness extends ChannelDuplexHandler {

	static final String NAME = "streamguard.h2ping";

	static final String STREAMS_NAME = "streamguard.h2pingStreams";

	private static final Log logger = LogFactory.getLog(Http2PingLiveness.class);

	private final long intervalNanos;

	private final long ackTimeoutNanos;

	private final ConnectionTimer timer = new ConnectionTimer(this::check);

	// Confined to the channel's event loop.
	private long lastReadNanos;

	private long pingSentNanos;

	private boolean pingPending;

	private Http2PingLiveness(Duration interval, Duration ackTimeout) {
		this.intervalNanos = interval.toNanos();
		this.ackTimeoutNanos = ackTimeout.toNanos();
	}

	/**
	 * Watch a newly accepted connection of a server that speaks HTTP/2. The PING is sent only
	 * once the connection turns out to speak HTTP/2 (prior knowledge, an h2c upgrade or ALPN);
	 * an HTTP/1.1 connection only has its reads noted.
	 * @param channel the accepted connection
	 * @param interval how long nothing may arrive before a PING is sent
	 * @param ackTimeout how long the connection may stay silent after the PING
	 * @return whether the connection is watched: both durations are positive
	 */
	public static boolean install(Channel channel, Duration interval, Duration ackTimeout) {
		if (!positive(interval) || !positive(ackTimeout) || channel.pipeline().get(NAME) != null) {
			return false;
		}
		// First, to see every byte that arrives, whatever handles it later.
		channel.pipeline().addFirst(NAME, new Http2PingLiveness(interval, ackTimeout));
		return true;
	}

	private static boolean positive(@Nullable Duration duration) {
		return duration != null && !duration.isZero() && !duration.isNegative();
	}

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) {
		this.lastReadNanos = System.nanoTime();
		if (ctx.channel().isActive()) {
			schedule(ctx, this.intervalNanos);
		}
	}

	@Override
	public void channelActive(ChannelHandlerContext ctx) throws Exception {
		if (!this.timer.isPending()) {
			this.lastReadNanos = System.nanoTime();
			schedule(ctx, this.intervalNanos);
		}
		super.channelActive(ctx);
	}

	@Override
	public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
		// Anything from the peer shows it alive: the acknowledgement, a WINDOW_UPDATE, a request.
		this.lastReadNanos = System.nanoTime();
		this.pingPending = false;
		super.channelReadComplete(ctx);
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) throws Exception {
		cancel();
		super.channelInactive(ctx);
	}

	@Override
	public void handlerRemoved(ChannelHandlerContext ctx) {
		cancel();
	}

	private void schedule(ChannelHandlerContext ctx, long delayNanos) {
		this.timer.schedule(ctx, delayNanos);
	}

	private void cancel() {
		this.timer.cancel();
	}

	private void check(ChannelHandlerContext ctx) {
		Channel channel = ctx.channel();
		if (!channel.isActive()) {
			return;
		}
		long now = System.nanoTime();
		if (this.pingPending) {
			long silentFor = now - this.pingSentNanos;
			if (silentFor < this.ackTimeoutNanos) {
				schedule(ctx, this.ackTimeoutNanos - silentFor);
			}
			else if (takingData(channel, now)) {
				this.pingSentNanos = now;
				schedule(ctx, this.ackTimeoutNanos);
			}
			else {
				expire(ctx);
			}
			return;
		}
		long quietFor = now - this.lastReadNanos;
		if (quietFor < this.intervalNanos) {
			schedule(ctx, this.intervalNanos - quietFor);
			return;
		}
		ChannelHandlerContext codec = ctx.pipeline().context(Http2FrameCodec.class);
		if (codec == null) {
			// Not HTTP/2, or not yet: look again after another interval.
			schedule(ctx, this.intervalNanos);
			return;
		}
		ping(ctx, codec);
	}

	private void ping(ChannelHandlerContext ctx, ChannelHandlerContext codec) {
		this.pingPending = true;
		this.pingSentNanos = System.nanoTime();
		long data = ThreadLocalRandom.current().nextLong();
		if (logger.isDebugEnabled()) {
			logger.debug("[" + ctx.channel() + "] Nothing arrived for " + TimeUnit.NANOSECONDS.toMillis(this.intervalNanos)
					+ " ms: sending a PING");
		}
		// The ack timeout runs from when the PING reaches the socket, not from when it joined
		// the queue of frames ahead of it.
		((Http2FrameCodec) codec.handler()).encoder()
			.writePing(codec, false, data, codec.newPromise())
			.addListener((ChannelFutureListener) (future) -> {
				if (this.pingPending) {
					this.pingSentNanos = System.nanoTime();
				}
			});
		codec.flush();
		schedule(ctx, this.ackTimeoutNanos);
	}

	/**
	 * Whether the kernel shows the peer acknowledging data within the ack timeout while data
	 * waits on it: the PING may still be queued behind that data.
	 */
	private boolean takingData(Channel channel, long now) {
		PeerProgress progress = PeerProgress.of(channel);
		return progress != null && progress.holding() && now - progress.lastProgressNanos() < this.ackTimeoutNanos;
	}

	private void expire(ChannelHandlerContext ctx) {
		Channel channel = ctx.channel();
		PingTimeoutException timedOut = new PingTimeoutException("Peer sent nothing, not even a PING acknowledgement, for "
				+ TimeUnit.NANOSECONDS.toMillis(this.ackTimeoutNanos) + " ms after a PING");
		if (logger.isDebugEnabled()) {
			logger.debug("[" + channel + "] Closing: " + timedOut.getMessage());
		}
		// Streams find the reason on the connection's PeerProgress, whatever their writes fail
		// with; where there is none (NIO), in the failure each stream is handed.
		PeerProgress progress = PeerProgress.of(channel);
		if (progress != null) {
			progress.peerSilent(new PeerProgress.PeerTimeoutException(timedOut.getMessage()));
		}
		failStreams(ctx.pipeline(), timedOut);
		// Closed from here, next to the socket: HTTP/2's graceful close would wait to send a
		// GOAWAY the peer will never take.
		PeerProgress.abort(channel);
		ctx.close();
	}

	/**
	 * Hand the failure to every active stream of the connection, through the HTTP/2
	 * multiplexer, which fires it in the stream's channel and resets the stream.
	 */
	private static void failStreams(ChannelPipeline pipeline, PingTimeoutException timedOut) {
		ChannelHandlerContext codec = pipeline.context(Http2FrameCodec.class);
		if (codec == null) {
			return;
		}
		StreamFailures failures = (StreamFailures) pipeline.get(STREAMS_NAME);
		if (failures == null) {
			failures = new StreamFailures();
			pipeline.addAfter(codec.name(), STREAMS_NAME, failures);
		}
		failures.fail(timedOut);
	}

	/**
	 * Finds the connection's active streams, which only a handler next to the frame codec may.
	 */
	private static final class StreamFailures extends Http2ChannelDuplexHandler {

		private @Nullable ChannelHandlerContext context;

		@Override
		protected void handlerAdded0(ChannelHandlerContext ctx) {
			this.context = ctx;
		}

		void fail(PingTimeoutException timedOut) {
			ChannelHandlerContext ctx = this.context;
			if (ctx == null) {
				return;
			}
			List<Http2FrameStream> streams = new ArrayList<>();
			try {
				forEachActiveStream((stream) -> streams.add(stream));
			}
			catch (Http2Exception ex) {
				// The visitor throws nothing.
			}
			for (Http2FrameStream stream : streams) {
				ctx.fireExceptionCaught(new Http2FrameStreamException(stream, Http2Error.CANCEL, timedOut));
			}
		}

	}

	/**
	 * Why an HTTP/2 connection was closed: nothing arrived from its peer within the ack timeout
	 * after a PING.
	 */
	public static final class PingTimeoutException extends IOException {

		private static final long serialVersionUID = 1L;

		PingTimeoutException(String message) {
			super(message, null);
		}

		@Override
		public synchronized Throwable fillInStackTrace() {
			return this;
		}

	}

}
