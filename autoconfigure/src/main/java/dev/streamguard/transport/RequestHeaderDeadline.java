package dev.streamguard.transport;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslClientHelloHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ByteProcessor;
import io.netty.util.ReferenceCountUtil;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Closes an HTTP/1.1 connection whose request headers do not arrive within a deadline, so that
 * a client trickling header bytes (slowloris) cannot hold a connection for long. The deadline
 * runs from the moment a new connection is accepted and, on a persistent connection, from the
 * first byte of each later request; it stops once the request's headers are decoded. An idle
 * persistent connection is left to {@code server.netty.idle-timeout}, a connection never
 * loses a response that is still being written (the deadline waits for it), and a connection
 * that leaves HTTP/1.1 (a WebSocket upgrade) leaves the deadline behind.
 * <p>
 * It is also the connection's {@link ChannelWatch}: it sits where the writes of the stream
 * served on the connection pass anyway, and one handler per connection costs less than two,
 * for as long as the connection lives.
 *
 * @since 0.1.0
 */
public final class RequestHeaderDeadline extends ChannelWatch {

	static final String NAME = "streamguard.requestHeaderDeadline";

	static final String FIRST_BYTE_NAME = "streamguard.requestFirstByte";

	private static final Log logger = LogFactory.getLog(RequestHeaderDeadline.class);

	private static final ByteProcessor LINE_BREAK = (value) -> value == '\r' || value == '\n';

	// Milliseconds rather than a long of nanoseconds: the field is kept per connection.
	private final int timeoutMillis;

	private final Runnable onClose;

	// Confined to the channel's event loop. The timer is kept here rather than in a
	// ConnectionTimer: this handler lives as long as its connection, one per HTTP/1.1 client.
	private @Nullable ScheduledFuture<?> deadline;

	private boolean betweenRequests;

	private int responsesInFlight;

	private boolean left;

	private boolean expired;

	private RequestHeaderDeadline(Duration timeout, Runnable onClose) {
		this.timeoutMillis = (int) Math.min(Math.max(timeout.toMillis(), 1), Integer.MAX_VALUE);
		this.onClose = onClose;
	}

	/**
	 * Install a deadline on a new HTTP/1.1 connection: a handler right after its HTTP codec
	 * that sees decoded requests and written responses, and one before it that sees the first
	 * bytes of the next request. Does nothing on a connection without an HTTP/1.1 codec (HTTP/2,
	 * or a protocol that is negotiated later).
	 * @param channel the accepted connection
	 * @param timeout how long a request's headers may take
	 * @param onClose run when the deadline closes the connection
	 * @return whether the deadline was installed
	 */
	public static boolean install(Channel channel, Duration timeout, Runnable onClose) {
		return install(channel, timeout, timeout.toNanos(), onClose);
	}

	/**
	 * Install a deadline on a connection that turned out to speak HTTP/1.1 after part of its
	 * first request's time went by.
	 * @param firstDeadlineNanos how long the first request's headers may still take
	 */
	static boolean install(Channel channel, Duration timeout, long firstDeadlineNanos, Runnable onClose) {
		ChannelPipeline pipeline = channel.pipeline();
		ChannelHandlerContext codec = pipeline.context(HttpServerCodec.class);
		if (codec == null || pipeline.get(NAME) != null) {
			return false;
		}
		RequestHeaderDeadline handler = new RequestHeaderDeadline(timeout, onClose);
		// Right after the codec: a pipelined request that the server holds back until the
		// response before it ends is complete as soon as it is decoded.
		pipeline.addAfter(codec.name(), NAME, handler);
		// Installed on the connection's event loop, as it is set up.
		handler.arm(pipeline.context(handler), firstDeadlineNanos);
		// The bytes before the codec: the connection's PeerProgress passes them on where it
		// watches the connection. First in the pipeline, it sees them as the socket does, so not
		// over TLS: there a TLS record (a stray line break between requests, a key update) would
		// start a deadline, and a handler of the deadline's own reads the decrypted bytes.
		PeerProgress progress = PeerProgress.of(channel);
		if (progress != null && !tls(pipeline)) {
			progress.rawReadsTo(handler);
		}
		else {
			pipeline.addBefore(codec.name(), FIRST_BYTE_NAME, handler.new FirstByte());
		}
		return true;
	}

	/**
	 * Whether the connection speaks TLS: its handler, or the one that picks it from the client's
	 * hello (SNI) and then makes way for it, sits before the codec.
	 */
	private static boolean tls(ChannelPipeline pipeline) {
		return pipeline.get(SslHandler.class) != null || pipeline.get(SslClientHelloHandler.class) != null;
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
		if (this.left) {
			ctx.fireChannelRead(msg);
			return;
		}
		if (this.expired && msg instanceof HttpObject object && object.decoderResult().isFailure()) {
			// The codec reports the request this deadline cut as one that failed to decode, which
			// the server would log as a warning for every slow client: it ends here.
			ReferenceCountUtil.release(msg);
			return;
		}
		if (msg instanceof HttpRequest) {
			cancel();
			this.responsesInFlight++;
		}
		if (msg instanceof LastHttpContent) {
			// The request is complete: the next one starts with its first byte.
			this.betweenRequests = true;
		}
		if (!(msg instanceof HttpObject)) {
			// No longer HTTP/1.1 (a WebSocket, say): no more requests to wait for.
			leave(ctx);
		}
		super.channelRead(ctx, msg);
	}

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
		if (!this.left && msg instanceof LastHttpContent && !informational(msg) && this.responsesInFlight > 0) {
			this.responsesInFlight--;
		}
		super.write(ctx, msg, promise);
	}

	private static boolean informational(Object msg) {
		return msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) throws Exception {
		cancel();
		super.channelInactive(ctx);
	}

	@Override
	public void handlerRemoved(ChannelHandlerContext ctx) {
		cancel();
		// Whoever still passes raw bytes on finds the deadline gone.
		this.left = true;
		PeerProgress progress = PeerProgress.of(ctx.channel());
		if (progress != null) {
			progress.rawReadsTo(null);
		}
	}

	private void arm(ChannelHandlerContext ctx) {
		arm(ctx, TimeUnit.MILLISECONDS.toNanos(this.timeoutMillis));
	}

	private void arm(ChannelHandlerContext ctx, long delayNanos) {
		cancel();
		this.deadline = ctx.executor().schedule(() -> expire(ctx), Math.max(delayNanos, 1), TimeUnit.NANOSECONDS);
	}

	private void expire(ChannelHandlerContext ctx) {
		this.deadline = null;
		if (this.responsesInFlight > 0) {
			// A response is still being written (a live stream, say): it is not cut for a request
			// behind it. Look again later.
			arm(ctx);
			return;
		}
		if (logger.isDebugEnabled()) {
			logger.debug("[" + ctx.channel() + "] No complete request headers within "
					+ this.timeoutMillis + " ms: closing the connection");
		}
		this.expired = true;
		this.onClose.run();
		ctx.channel().close();
	}

	private void cancel() {
		ScheduledFuture<?> deadline = this.deadline;
		if (deadline != null) {
			deadline.cancel(false);
			this.deadline = null;
		}
	}

	/**
	 * See the raw bytes of a read before the codec does: the first byte after a complete
	 * request (other than the line breaks a client may send between requests) starts the
	 * deadline of the next one.
	 * @param ctx the context of the handler that saw the bytes, before the codec
	 */
	void rawRead(ChannelHandlerContext ctx, Object msg) {
		if (!this.left && this.betweenRequests && msg instanceof ByteBuf bytes && bytes.forEachByte(LINE_BREAK) >= 0) {
			if (ctx.pipeline().get(HttpServerCodec.class) == null) {
				// The codec is gone (a protocol upgrade): there are no requests to time.
				leave(ctx);
			}
			else {
				this.betweenRequests = false;
				arm(ctx);
			}
		}
	}

	private void leave(ChannelHandlerContext ctx) {
		cancel();
		ChannelPipeline pipeline = ctx.pipeline();
		if (pipeline.get(FIRST_BYTE_NAME) != null) {
			pipeline.remove(FIRST_BYTE_NAME);
		}
		PeerProgress progress = PeerProgress.of(ctx.channel());
		if (progress != null) {
			progress.rawReadsTo(null);
		}
		this.left = true;
		// A stream still served on the connection keeps its watch.
		if (!attached() && pipeline.context(this) != null) {
			pipeline.remove(this);
		}
	}

	/**
	 * Sees raw bytes before the HTTP codec, on a connection without a {@link PeerProgress} to
	 * pass them on.
	 */
	private final class FirstByte extends ChannelInboundHandlerAdapter {

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
			rawRead(ctx, msg);
			super.channelRead(ctx, msg);
		}

	}

}
