package dev.streamguard.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import org.jspecify.annotations.Nullable;

/**
 * A handler of a channel that the stream served on it attaches to: it tells the stream when
 * the channel's write window opens and when the channel goes away, and keeps why it failed.
 * A write that fails because the peer is gone closes the channel without an event that
 * carries the error; only the write promises learn it. So while a stream is attached, its
 * writes go through a promise of this handler's own that records the failure and hands the
 * outcome on.
 * <p>
 * One handler per channel: an HTTP/1.1 connection's {@link RequestHeaderDeadline} is its
 * watch, since it sits where a stream's writes pass anyway, and a channel without one gets
 * a watch of its own. A stream attaches to one watch at a time, and a channel serves one
 * stream at a time. The deadline sits right after the HTTP codec, so it learns the failures of
 * the codec and the socket; a failure raised by a handler behind it (compression, say) reaches
 * the stream through the transport's own error instead.
 *
 * @since 0.2.0
 */
public abstract class ChannelWatch extends ChannelDuplexHandler {

	private volatile @Nullable Listener listener;

	private volatile @Nullable Throwable lastFailure;

	/**
	 * Return the watch of the given channel.
	 * @param channel the channel
	 * @return its watch, {@code null} if it has none
	 */
	public static @Nullable ChannelWatch of(io.netty.channel.Channel channel) {
		return channel.pipeline().get(ChannelWatch.class);
	}

	/**
	 * Attach the stream now served on the channel; it replaces any stream attached before.
	 * @param listener the stream
	 */
	public void attach(Listener listener) {
		this.lastFailure = null;
		this.listener = listener;
	}

	/**
	 * Detach the given stream, if it is the one attached.
	 * @param listener the stream
	 */
	public void detach(Listener listener) {
		if (this.listener == listener) {
			this.listener = null;
		}
	}

	/**
	 * Whether a stream is attached.
	 * @return {@code true} while one is
	 */
	protected boolean attached() {
		return this.listener != null;
	}

	/**
	 * Return the last failure of the channel since the stream was attached: of a write of the
	 * stream, or one the pipeline reported.
	 * @return the failure, {@code null} if there was none
	 */
	public @Nullable Throwable lastFailure() {
		return this.lastFailure;
	}

	/**
	 * Return the bytes the attached stream wrote that have not yet left for the socket, where
	 * the channel has no outbound buffer to show them (an HTTP/2 stream's channel).
	 * @return the bytes, 0 where they are not counted
	 */
	public long pendingBytes() {
		return 0;
	}

	/**
	 * Return the bytes the attached stream wrote that left for the socket, where counted.
	 * @return the bytes, 0 where they are not counted
	 */
	public long writtenOutBytes() {
		return 0;
	}

	/**
	 * Count a write of the attached stream.
	 * @param msg what is written
	 * @return its size, for {@link #written}; 0 where writes are not counted
	 */
	protected long counted(Object msg) {
		return 0;
	}

	/**
	 * Count the end of a write that {@link #counted} found to have the given size.
	 * @param size the size, more than 0
	 * @param success whether the write succeeded
	 */
	protected void written(long size, boolean success) {
	}

	@Override
	public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
		Listener listener = this.listener;
		if (listener != null) {
			listener.onWritabilityChanged();
		}
		ctx.fireChannelWritabilityChanged();
	}

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
		if (this.listener == null || promise.isVoid()) {
			ctx.write(msg, promise);
			return;
		}
		ctx.write(msg, new TrackedWrite(ctx, promise, counted(msg)));
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
		this.lastFailure = cause;
		ctx.fireExceptionCaught(cause);
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) throws Exception {
		Listener listener = this.listener;
		if (listener != null) {
			listener.onConnectionClosed();
		}
		ctx.fireChannelInactive();
	}

	/**
	 * The promise of a write of the attached stream: records a failure and hands the outcome
	 * on to the writer's promise. Its own listener, so that a write costs one object.
	 */
	private final class TrackedWrite extends DefaultChannelPromise implements ChannelFutureListener {

		private final ChannelPromise promise;

		private final long size;

		TrackedWrite(ChannelHandlerContext ctx, ChannelPromise promise, long size) {
			super(ctx.channel(), ctx.executor());
			this.promise = promise;
			this.size = size;
			addListener(this);
		}

		@Override
		public void operationComplete(ChannelFuture future) {
			if (this.size > 0) {
				written(this.size, future.isSuccess());
			}
			if (future.isSuccess()) {
				this.promise.trySuccess();
			}
			else {
				ChannelWatch.this.lastFailure = future.cause();
				this.promise.tryFailure(future.cause());
			}
		}

	}

	/**
	 * What a stream attached to a watch hears of its channel. Called on the channel's event loop.
	 */
	public interface Listener {

		/** The channel's writability changed. */
		void onWritabilityChanged();

		/** The channel went away; {@link ChannelWatch#lastFailure()} may tell why. */
		void onConnectionClosed();

	}

}
