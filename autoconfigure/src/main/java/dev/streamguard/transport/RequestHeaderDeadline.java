package dev.streamguard.transport;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.netty.NettyPipeline;

/**
 * Closes a new connection whose first request's headers have not arrived within a deadline,
 * so that a client trickling header bytes (slowloris) cannot hold a connection for long. It
 * watches the decoded request, so it leaves the pipeline as soon as the headers are complete.
 *
 * @since 0.1.0
 */
public final class RequestHeaderDeadline extends ChannelInboundHandlerAdapter {

	static final String NAME = "streamguard.requestHeaderDeadline";

	private static final Log logger = LogFactory.getLog(RequestHeaderDeadline.class);

	private final long timeoutNanos;

	private final Runnable onClose;

	private @Nullable ScheduledFuture<?> deadline;

	private RequestHeaderDeadline(Duration timeout, Runnable onClose) {
		this.timeoutNanos = timeout.toNanos();
		this.onClose = onClose;
	}

	/**
	 * Install a deadline on a new connection, after its HTTP decoder.
	 * @param channel the accepted connection
	 * @param timeout how long its first request's headers may take
	 * @param onClose run when the deadline closes the connection
	 */
	public static void install(Channel channel, Duration timeout, Runnable onClose) {
		ChannelPipeline pipeline = channel.pipeline();
		RequestHeaderDeadline handler = new RequestHeaderDeadline(timeout, onClose);
		if (pipeline.get(NettyPipeline.ReactiveBridge) != null) {
			pipeline.addBefore(NettyPipeline.ReactiveBridge, NAME, handler);
		}
		else {
			pipeline.addLast(NAME, handler);
		}
	}

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) {
		this.deadline = ctx.executor().schedule(() -> {
			if (logger.isDebugEnabled()) {
				logger.debug("[" + ctx.channel() + "] No complete request headers within "
						+ TimeUnit.NANOSECONDS.toMillis(this.timeoutNanos) + " ms: closing the connection");
			}
			this.onClose.run();
			ctx.close();
		}, this.timeoutNanos, TimeUnit.NANOSECONDS);
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
		if (msg instanceof HttpRequest) {
			cancel();
			ctx.pipeline().remove(this);
		}
		super.channelRead(ctx, msg);
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) throws Exception {
		cancel();
		super.channelInactive(ctx);
	}

	private void cancel() {
		ScheduledFuture<?> deadline = this.deadline;
		if (deadline != null) {
			deadline.cancel(false);
			this.deadline = null;
		}
	}

}
