package dev.streamguard.test;

import java.util.concurrent.atomic.AtomicLong;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;

/**
 * Sees what Netty is asked to write next to the socket, at the head of every connection's
 * pipeline: a {@link FileRegion} there is a zero-copy ({@code sendfile}) write, anything else
 * went through buffers in user space. Declare it as a bean of a test server.
 */
public final class FileRegionSpy implements NettyServerCustomizer {

	private static final String NAME = "test.fileRegionSpy";

	private final AtomicLong regions = new AtomicLong();

	private final AtomicLong regionBytes = new AtomicLong();

	private final Handler handler = new Handler();

	@Override
	public HttpServer apply(HttpServer server) {
		return server.doOnChannelInit((observer, channel, remote) -> {
			ChannelPipeline pipeline = channel.pipeline();
			if (pipeline.get(NAME) == null) {
				pipeline.addFirst(NAME, this.handler);
			}
		});
	}

	/** Forget what was seen so far. */
	public void reset() {
		this.regions.set(0);
		this.regionBytes.set(0);
	}

	/** How many file regions were written. */
	public long regions() {
		return this.regions.get();
	}

	/** How many bytes the written file regions span. */
	public long regionBytes() {
		return this.regionBytes.get();
	}

	@ChannelHandler.Sharable
	private final class Handler extends ChannelOutboundHandlerAdapter {

		@Override
		public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
			if (msg instanceof FileRegion region) {
				FileRegionSpy.this.regions.incrementAndGet();
				FileRegionSpy.this.regionBytes.addAndGet(region.count());
			}
			ctx.write(msg, promise);
		}

	}

}
