package dev.streamguard.transport;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.netty.NettyPipeline;

/**
 * Closes a connection whose request headers do not arrive within a deadline, so that a client
 * trickling header bytes (slowloris) cannot hold a connection for long. The deadline runs from
 * the moment a new connection is accepted and, on a persistent connection, from the first byte
 * of each later request; it stops once the request's headers are decoded. An idle persistent
 * connection is left to {@code server.netty.idle-timeout}.
 *
 * @since 0.1.0
 */
public final class RequestHeaderDeadline extends ChannelInboundHandlerAdapter {

	static final String NAME = "streamguard.requestHeaderDeadline";

	static final String FIRST_BYTE_NAME = "streamguard.requestFirstByte";

	private static final Log logger = LogFactory.getLog(RequestHeaderDeadline.class);

	private final long timeoutNanos;

	private final Runnable onClose;

	// Confined to the channel's event loop.
	private @Nullable ScheduledFuture<?> deadline;

	private boolean betweenRequests;

	private RequestHeaderDeadline(Duration timeout, Runnable onClose) {
		this.timeoutNanos = timeout.toNanos();
		this.onClose = onClose;
	}

	/**
	 * Install a deadline on a new connection: a handler after its HTTP decoder that sees
	 * decoded requests, and one before it that sees the first bytes of the next request.
	 * @param channel the accepted connection
	 * @param timeout how long a request's headers may take
	 * @param onClose run when the deadline closes the connection
	 */
	public static void install(Channel channel, Duration timeout, Runnable onClose) {
		ChannelPipeline pipeline = channel.pipeline();
		RequestHeaderDeadline handler = new RequestHeaderDeadline(timeout, onClose);
		if (pipeline.get(NettyPipeline.HttpCodec) != null) {
			// Right after the decoder: a pipelined request held back until the response before
			// it ends is complete as soon as it is decoded.
			pipeline.addAfter(NettyPipeline.HttpCodec, NAME, handler);
			pipeline.addBefore(NettyPipeline.HttpCodec, FIRST_BYTE_NAME, handler.new FirstByte());
		}
		else if (pipeline.get(NettyPipeline.ReactiveBridge) != null) {
			pipeline.addBefore(NettyPipeline.ReactiveBridge, NAME, handler);
		}
		else {
			pipeline.addLast(NAME, handler);
		}
	}

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) {
		arm(ctx);
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
		if (msg instanceof HttpRequest) {
			cancel();
		}
		if (msg instanceof LastHttpContent) {
			// The request is complete: the next one starts with its first byte.
			this.betweenRequests = true;
		}
		super.channelRead(ctx, msg);
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

	private void arm(ChannelHandlerContext ctx) {
		cancel();
		this.deadline = ctx.executor().schedule(() -> {
			if (logger.isDebugEnabled()) {
				logger.debug("[" + ctx.channel() + "] No complete request headers within "
						+ TimeUnit.NANOSECONDS.toMillis(this.timeoutNanos) + " ms: closing the connection");
			}
			this.deadline = null;
			this.onClose.run();
			ctx.channel().close();
		}, this.timeoutNanos, TimeUnit.NANOSECONDS);
	}

	private void cancel() {
		ScheduledFuture<?> deadline = this.deadline;
		if (deadline != null) {
			deadline.cancel(false);
			this.deadline = null;
		}
	}

	/**
	 * Sees raw bytes before the HTTP decoder: the first byte after a complete request starts
	 * the deadline of the next one.
	 */
	private final class FirstByte extends ChannelInboundHandlerAdapter {

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
			if (RequestHeaderDeadline.this.betweenRequests && msg instanceof ByteBuf bytes && bytes.isReadable()) {
				RequestHeaderDeadline.this.betweenRequests = false;
				arm(ctx);
			}
			super.channelRead(ctx, msg);
		}

	}

}
