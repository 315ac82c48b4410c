package dev.streamguard.web;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import org.jspecify.annotations.Nullable;
import reactor.netty.NettyPipeline;

/**
 * Per-connection handler that tells the stream being served on the connection when the
 * connection's write window opens, when the connection goes away and why.
 */
final class ChannelWatcher extends ChannelInboundHandlerAdapter {

	static final String NAME = "streamguard.watcher";

	private volatile @Nullable GuardedStream<?> stream;

	private volatile @Nullable Throwable lastFailure;

	static ChannelWatcher install(Channel channel) {
		ChannelPipeline pipeline = channel.pipeline();
		ChannelWatcher watcher = (ChannelWatcher) pipeline.get(NAME);
		if (watcher != null) {
			return watcher;
		}
		watcher = new ChannelWatcher();
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

	void attach(GuardedStream<?> stream) {
		this.lastFailure = null;
		this.stream = stream;
	}

	void detach(GuardedStream<?> stream) {
		if (this.stream == stream) {
			this.stream = null;
		}
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
