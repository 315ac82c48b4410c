package dev.streamguard.transport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslHandler;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.netty.NettyPipeline;

/**
 * The request-header deadline of a server that speaks HTTP/2: a connection must send its
 * preface and its first complete request headers within the timeout after it is accepted, and
 * a header block once begun (HEADERS without END_HEADERS, then CONTINUATION frames) must end
 * within the timeout, or the connection is closed. A header block holds up its whole
 * connection, since no other frame may come between its frames.
 * <p>
 * The handler reads the frame headers of the bytes as they arrive, ahead of the HTTP/2 codec,
 * which only reports a header block once it is whole. A connection whose first bytes are not
 * the HTTP/2 preface speaks HTTP/1.1 and gets {@link RequestHeaderDeadline} with the time that
 * is left; if it later upgrades to h2c, its preface must arrive within the timeout after the
 * upgrade (its first request was the upgrade request). Over TLS the handler sits after the
 * {@link SslHandler}, so it reads what ALPN negotiated.
 *
 * @since 0.2.0
 */
public final class Http2RequestHeaderDeadline extends ChannelInboundHandlerAdapter {

	static final String NAME = "streamguard.h2RequestHeaderDeadline";

	private static final Log logger = LogFactory.getLog(Http2RequestHeaderDeadline.class);

	private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

	private static final int FRAME_HEADER_LENGTH = 9;

	private static final int HEADERS = 0x1;

	private static final int CONTINUATION = 0x9;

	private static final int END_HEADERS = 0x4;

	private enum Mode {

		/** Comparing the first bytes with the preface. */
		PREFACE,

		/** Reading frame headers. */
		FRAMES,

		/** HTTP/1.1, timed by {@link RequestHeaderDeadline}, until an h2c upgrade. */
		HTTP11

	}

	private final long timeoutNanos;

	private final Runnable onClose;

	// Confined to the channel's event loop.
	private Mode mode = Mode.PREFACE;

	private long acceptedNanos;

	private int prefaceMatched;

	private boolean firstHeadersDone;

	private boolean blockOpen;

	private boolean frameEndsBlock;

	private final byte[] frameHeader = new byte[FRAME_HEADER_LENGTH];

	private int frameHeaderBytes;

	private long payloadLeft;

	private final ConnectionTimer deadline = new ConnectionTimer(this::expire);

	private Http2RequestHeaderDeadline(Duration timeout, Runnable onClose) {
		this.timeoutNanos = timeout.toNanos();
		this.onClose = onClose;
	}

	/**
	 * Install the deadline on a newly accepted connection of a server that speaks HTTP/2 (and
	 * perhaps HTTP/1.1): after its TLS handler if it has one, else first.
	 * @param channel the accepted connection
	 * @param timeout how long a request's headers may take
	 * @param onClose run when the deadline closes the connection
	 */
	public static void install(Channel channel, Duration timeout, Runnable onClose) {
		ChannelPipeline pipeline = channel.pipeline();
		if (pipeline.get(NAME) != null) {
			return;
		}
		Http2RequestHeaderDeadline handler = new Http2RequestHeaderDeadline(timeout, onClose);
		// Reactor Netty holds the TLS handler's place under its name until the connection is
		// active, then puts the SslHandler there.
		ChannelHandlerContext tls = pipeline.context(NettyPipeline.SslHandler);
		if (tls == null) {
			tls = pipeline.context(SslHandler.class);
		}
		if (tls != null) {
			pipeline.addAfter(tls.name(), NAME, handler);
		}
		else {
			pipeline.addFirst(NAME, handler);
		}
	}

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) {
		this.acceptedNanos = System.nanoTime();
		arm(ctx, this.timeoutNanos);
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
		if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
			inspect(ctx, bytes);
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

	private void inspect(ChannelHandlerContext ctx, ByteBuf bytes) {
		int index = bytes.readerIndex();
		int end = bytes.writerIndex();
		if (this.mode == Mode.HTTP11) {
			if (!upgraded(ctx, bytes)) {
				return;
			}
			// An h2c upgrade: its request was the first; the preface follows the 101.
			this.mode = Mode.PREFACE;
			this.prefaceMatched = 0;
			this.firstHeadersDone = true;
			arm(ctx, this.timeoutNanos);
		}
		if (this.mode == Mode.PREFACE) {
			while (index < end && this.prefaceMatched < PREFACE.length) {
				if (bytes.getByte(index) != PREFACE[this.prefaceMatched]) {
					http11(ctx);
					return;
				}
				index++;
				this.prefaceMatched++;
			}
			if (this.prefaceMatched < PREFACE.length) {
				return;
			}
			this.mode = Mode.FRAMES;
			if (this.firstHeadersDone && !this.blockOpen) {
				cancel();
			}
		}
		readFrameHeaders(ctx, bytes, index, end);
	}

	/**
	 * Whether the bytes are an HTTP/2 preface on a connection that left HTTP/1.1: its HTTP/1.1
	 * codec is gone.
	 */
	private static boolean upgraded(ChannelHandlerContext ctx, ByteBuf bytes) {
		int index = bytes.readerIndex();
		return bytes.readableBytes() >= 3 && bytes.getByte(index) == 'P' && bytes.getByte(index + 1) == 'R'
				&& bytes.getByte(index + 2) == 'I' && ctx.pipeline().get(HttpServerCodec.class) == null;
	}

	private void http11(ChannelHandlerContext ctx) {
		this.mode = Mode.HTTP11;
		cancel();
		if (!this.firstHeadersDone) {
			long left = this.timeoutNanos - (System.nanoTime() - this.acceptedNanos);
			RequestHeaderDeadline.install(ctx.channel(), Duration.ofNanos(this.timeoutNanos), Math.max(left, 1),
					this.onClose);
		}
	}

	private void readFrameHeaders(ChannelHandlerContext ctx, ByteBuf bytes, int from, int end) {
		int index = from;
		while (index < end) {
			if (this.payloadLeft > 0) {
				int skipped = (int) Math.min(this.payloadLeft, end - index);
				index += skipped;
				this.payloadLeft -= skipped;
				if (this.payloadLeft == 0) {
					frameEnded(ctx);
				}
				continue;
			}
			this.frameHeader[this.frameHeaderBytes++] = bytes.getByte(index++);
			if (this.frameHeaderBytes == FRAME_HEADER_LENGTH) {
				this.frameHeaderBytes = 0;
				frameBegun(ctx);
			}
		}
	}

	private void frameBegun(ChannelHandlerContext ctx) {
		byte[] header = this.frameHeader;
		this.payloadLeft = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
		int type = header[3] & 0xff;
		boolean endHeaders = (header[4] & END_HEADERS) != 0;
		this.frameEndsBlock = false;
		if (type == HEADERS || (type == CONTINUATION && this.blockOpen)) {
			if (!this.blockOpen) {
				this.blockOpen = true;
				if (this.firstHeadersDone) {
					// A later request: its header block gets the whole timeout.
					arm(ctx, this.timeoutNanos);
				}
			}
			this.frameEndsBlock = endHeaders;
		}
		if (this.payloadLeft == 0) {
			frameEnded(ctx);
		}
	}

	private void frameEnded(ChannelHandlerContext ctx) {
		if (this.frameEndsBlock) {
			this.frameEndsBlock = false;
			this.blockOpen = false;
			this.firstHeadersDone = true;
			cancel();
		}
	}

	private void arm(ChannelHandlerContext ctx, long delayNanos) {
		this.deadline.schedule(ctx, delayNanos);
	}

	private void cancel() {
		this.deadline.cancel();
	}

	private void expire(ChannelHandlerContext ctx) {
		if (!ctx.channel().isActive()) {
			return;
		}
		if (logger.isDebugEnabled()) {
			String what = !this.firstHeadersDone ? "No HTTP/2 preface and complete request headers"
					: (this.mode == Mode.PREFACE) ? "No HTTP/2 preface after the h2c upgrade" : "Header block not ended";
			logger.debug("[" + ctx.channel() + "] " + what + " within " + TimeUnit.NANOSECONDS.toMillis(this.timeoutNanos)
					+ " ms: closing the connection");
		}
		this.onClose.run();
		// Closed from here, ahead of the HTTP/2 codec, whose graceful close would wait on the
		// header block.
		ctx.close();
	}

}
