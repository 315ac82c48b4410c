package dev.streamguard.transport;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.netty.channel.ChannelHandlerContext;
import org.jspecify.annotations.Nullable;

/**
 * The one pending task of a connection's handler, on the connection's event loop: scheduling
 * replaces the task that is pending, and a task that runs is no longer pending. Confined to
 * the event loop.
 */
final class ConnectionTimer {

	private final Consumer<ChannelHandlerContext> task;

	private @Nullable ScheduledFuture<?> pending;

	ConnectionTimer(Consumer<ChannelHandlerContext> task) {
		this.task = task;
	}

	void schedule(ChannelHandlerContext ctx, long delayNanos) {
		cancel();
		this.pending = ctx.executor().schedule(() -> run(ctx), Math.max(delayNanos, 1), TimeUnit.NANOSECONDS);
	}

	boolean isPending() {
		return this.pending != null;
	}

	void cancel() {
		ScheduledFuture<?> pending = this.pending;
		if (pending != null) {
			pending.cancel(false);
			this.pending = null;
		}
	}

	private void run(ChannelHandlerContext ctx) {
		this.pending = null;
		this.task.accept(ctx);
	}

}
