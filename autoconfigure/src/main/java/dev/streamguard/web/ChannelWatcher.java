package dev.streamguard.web;

import dev.streamguard.transport.ChannelWatch;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2StreamChannel;
import reactor.netty.NettyPipeline;

/**
 * The {@link ChannelWatch} of a channel that has none of its own: an HTTP/1.1 connection
 * without a request-header deadline, or an HTTP/2 stream's channel. On the latter it also
 * counts the stream's bytes that wait in the connection's flow control.
 */
class ChannelWatcher extends ChannelWatch {

	static final String NAME = "streamguard.watcher";

	/**
	 * Return the watch of the given channel, installing one if it has none.
	 * @param channel the channel of a stream
	 * @return its watch
	 */
	static ChannelWatch install(Channel channel) {
		ChannelWatch watch = ChannelWatch.of(channel);
		if (watch != null) {
			return watch;
		}
		ChannelPipeline pipeline = channel.pipeline();
		ChannelWatcher watcher = (channel instanceof Http2StreamChannel) ? new Counting() : new ChannelWatcher();
		try {
			if (pipeline.get(NettyPipeline.ReactiveBridge) != null) {
				pipeline.addBefore(NettyPipeline.ReactiveBridge, NAME, watcher);
			}
			else {
				pipeline.addLast(NAME, watcher);
			}
		}
		catch (IllegalArgumentException ex) {
			// Installed concurrently by another stream of the same channel.
			return (ChannelWatch) pipeline.get(NAME);
		}
		return watcher;
	}

	private ChannelWatcher() {
	}

	/**
	 * The watcher of an HTTP/2 stream's channel, which has no outbound buffer to show what
	 * waits: it counts the bytes of the attached stream written and not yet written out.
	 * Changed on the event loop.
	 */
	private static final class Counting extends ChannelWatcher {

		private volatile long pendingBytes;

		private volatile long writtenOutBytes;

		@Override
		public long pendingBytes() {
			return Math.max(0, this.pendingBytes);
		}

		@Override
		public long writtenOutBytes() {
			return this.writtenOutBytes;
		}

		@Override
		protected long counted(Object msg) {
			long size = 0;
			if (msg instanceof ByteBuf buffer) {
				size = buffer.readableBytes();
			}
			else if (msg instanceof ByteBufHolder holder) {
				size = holder.content().readableBytes();
			}
			if (size > 0) {
				this.pendingBytes += size;
			}
			return size;
		}

		@Override
		protected void written(long size, boolean success) {
			this.pendingBytes -= size;
			if (success) {
				this.writtenOutBytes += size;
			}
		}

	}

}
