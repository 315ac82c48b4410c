package dev.streamguard.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2StreamChannel;
import org.jspecify.annotations.Nullable;
import reactor.netty.NettyPipeline;

/**
 * Per-connection handler that tells the stream being served on the connection when the
 * connection's write window opens, when the connection goes away and why.
 */
final class ChannelWatcher extends ChannelDuplexHandler {

	static final String NAME = "streamguard.watcher";

	private volatile @Nullable GuardedStream<?> stream;

	private volatile @Nullable Throwable lastFailure;

	// Counted on an HTTP/2 stream's channel only, which has no outbound buffer to show them:
	// bytes of the attached stream written and not yet written out; changed on the event loop.
	private final boolean counting;

	private volatile long pendingBytes;

	private volatile long writtenOutBytes;

	static ChannelWatcher install(Channel channel) {
		ChannelPipeline pipeline = channel.pipeline();
		ChannelWatcher watcher = (ChannelWatcher) pipeline.get(NAME);
		if (watcher != null) {
			return watcher;
		}
		watcher = new ChannelWatcher(channel instanceof Http2StreamChannel);
		try {
			if (pipeline.get(NettyPipeline.ReactiveBridge) != null) {
				pipeline.addBefore(NettyPipeline.ReactiveBridge, NAME, watcher);
			}
			else {
				pipeline.addLast(NAME, watcher);
			}
		}
		catch (IllegalArgumentException ex) {
			// Installed concurrently by another stream of the same connection.
			watcher = (ChannelWatcher) pipeline.get(NAME);
		}
		return watcher;
	}

	private ChannelWatcher(boolean counting) {
		this.counting = counting;
	}

	void attach(GuardedStream<?> stream) {
		this.lastFailure = null;
		this.stream = stream;
	}

	void detach(GuardedStream<?> stream) {
		if (this.stream == stream) {
			this.stream = null;
		}
	}

	/**
	 * Return the bytes the attached stream wrote that have not yet left for the socket. Over
	 * HTTP/2 they wait in the connection's flow control, which a stream channel has no
	 * outbound buffer to show.
	 */
	long pendingBytes() {
		return Math.max(0, this.pendingBytes);
	}

	/** Return the bytes the attached stream wrote that left for the socket. */
	long writtenOutBytes() {
		return this.writtenOutBytes;
	}

	@Nullable Throwable lastFailure() {
		return this.lastFailure;
	}

	@Override
	public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
		GuardedStream<?> stream = this.stream;
		if (stream != null) {
			stream.onWritabilityChanged();
		}
		super.channelWritabilityChanged(ctx);
	}

	/**
	 * A write that fails because the peer is gone closes the connection without an event that
	 * carries the error; only the write promises learn it. So the writes of a guarded stream go
	 * through a promise of our own that records the failure and hands the outcome on.
	 */
	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
		if (this.stream == null || promise.isVoid()) {
			ctx.write(msg, promise);
			return;
		}
		ChannelPromise tracked = ctx.newPromise();
		long size = this.counting ? size(msg) : 0;
		if (size > 0) {
			this.pendingBytes += size;
		}
		tracked.addListener((ChannelFutureListener) (future) -> {
			if (size > 0) {
				this.pendingBytes -= size;
				if (future.isSuccess()) {
					this.writtenOutBytes += size;
				}
			}
			if (future.isSuccess()) {
				promise.trySuccess();
			}
			else {
				this.lastFailure = future.cause();
				promise.tryFailure(future.cause());
			}
		});
		ctx.write(msg, tracked);
	}

	private static long size(Object msg) {
		if (msg instanceof ByteBuf buffer) {
			return buffer.readableBytes();
		}
		if (msg instanceof ByteBufHolder holder) {
			return holder.content().readableBytes();
		}
		return 0;
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
		this.lastFailure = cause;
		super.exceptionCaught(ctx, cause);
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) throws Exception {
		GuardedStream<?> stream = this.stream;
		if (stream != null) {
			stream.onConnectionClosed();
		}
		super.channelInactive(ctx);
	}

}
