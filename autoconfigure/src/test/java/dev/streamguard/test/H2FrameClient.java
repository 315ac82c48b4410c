package dev.streamguard.test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.ReferenceCountUtil;

/**
 * An HTTP/2 client (h2c, prior knowledge) that decides for each stream whether it reads: the
 * window of a stream it reads is given back as its DATA arrives, as a browser's would; the
 * window of a stream it does not read is never given back. It speaks to Netty's frame codec
 * directly, so that nothing reads on its behalf. The connection's window is the protocol's
 * default, 64 KB, as most clients leave it.
 */
public final class H2FrameClient implements AutoCloseable {

	private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

	private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();

	private final Channel channel;

	private final Handler handler = new Handler();

	private final String authority;

	private volatile long goAwayNanos;

	private H2FrameClient(String host, int port, boolean throttled) throws InterruptedException {
		this.authority = host + ":" + port;
		Bootstrap bootstrap = new Bootstrap().group(this.group).channel(NioSocketChannel.class);
		if (throttled) {
			// The socket is read 16 KB at a time, 50 times a second: the server's kernel holds
			// data for this client all along, and sees it acknowledged as it is read.
			bootstrap.option(ChannelOption.AUTO_READ, false)
				.option(ChannelOption.SO_RCVBUF, 64 * 1024)
				.option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(16 * 1024).maxMessagesPerRead(1));
		}
		this.channel = bootstrap
			.handler(new ChannelInitializer<SocketChannel>() {

				@Override
				protected void initChannel(SocketChannel channel) {
					channel.pipeline()
						.addLast(Http2FrameCodecBuilder.forClient()
							.initialSettings(Http2Settings.defaultSettings().initialWindowSize(65_535))
							.build())
						.addLast(H2FrameClient.this.handler);
				}

			})
			.connect(host, port)
			.sync()
			.channel();
		if (throttled) {
			this.channel.eventLoop().scheduleAtFixedRate(this.channel::read, 0, 20, TimeUnit.MILLISECONDS);
		}
	}

	/** Connect to a server on the loopback interface. */
	public static H2FrameClient connect(int port) throws InterruptedException {
		return new H2FrameClient("127.0.0.1", port, false);
	}

	/**
	 * Connect to a server on the loopback interface with a connection window larger than the
	 * default, as browsers offer (Chromium: 15 MB), while each stream keeps 64 KB: one stream
	 * the client holds then leaves room for its siblings.
	 * @param connectionWindow the connection's window, above 65,535 bytes
	 */
	public static H2FrameClient connect(int port, int connectionWindow) throws Exception {
		return connect(port, connectionWindow, false);
	}

	/**
	 * Connect as {@link #connect(int, int)}, reading the socket slowly when asked (about
	 * 800 KB/s), as a client on a slow link would take its bytes.
	 * @param connectionWindow the connection's window, above 65,535 bytes
	 * @param throttled whether the client reads its socket slowly
	 */
	public static H2FrameClient connect(int port, int connectionWindow, boolean throttled) throws Exception {
		H2FrameClient client = new H2FrameClient("127.0.0.1", port, throttled);
		client.channel.writeAndFlush(new DefaultHttp2WindowUpdateFrame(connectionWindow - 65_535))
			.get(5, TimeUnit.SECONDS);
		return client;
	}

	/**
	 * Open a stream with a GET of the given path.
	 * @param reads whether the client reads the stream, giving its window back
	 */
	public Stream get(String path, boolean reads) throws Exception {
		Stream stream = new Stream(reads, !path.startsWith("/test/bulk"));
		this.channel.eventLoop().submit(() -> {
			Http2FrameStream frameStream = this.handler.newStream();
			Http2Headers headers = new DefaultHttp2Headers().method("GET")
				.scheme("http")
				.authority(this.authority)
				.path(path);
			this.channel.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true).stream(frameStream))
				.addListener((future) -> this.streams.put(frameStream.id(), stream));
		}).get(5, TimeUnit.SECONDS);
		return stream;
	}

	/** Stop reading every stream of the connection, as an application that hangs would. */
	public void stopReading() throws Exception {
		this.channel.eventLoop().submit(() -> this.streams.values().forEach((stream) -> stream.reads = false))
			.get(5, TimeUnit.SECONDS);
	}

	/** When the server's GOAWAY arrived, in {@link System#nanoTime()} terms; 0 before. */
	public long goAwayNanos() {
		return this.goAwayNanos;
	}

	@Override
	public void close() {
		this.channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
		this.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
	}

	/** One stream, as the client sees it. */
	public static final class Stream {

		private volatile boolean reads;

		private final AtomicLong received = new AtomicLong();

		private volatile long lastDataNanos = System.nanoTime();

		private volatile int status;

		private volatile String contentType = "";

		private volatile String retryAfter = "";

		private volatile boolean reset;

		private volatile long endNanos;

		private final StringBuilder text = new StringBuilder();

		private final boolean keepsText;

		private Stream(boolean reads, boolean keepsText) {
			this.reads = reads;
			this.keepsText = keepsText;
		}

		/** Bytes of DATA received. */
		public long received() {
			return this.received.get();
		}

		/** When DATA last arrived, in {@link System#nanoTime()} terms. */
		public long lastDataNanos() {
			return this.lastDataNanos;
		}

		/** The response's status, 0 before its headers. */
		public int status() {
			return this.status;
		}

		/** When the server ended the stream (END_STREAM), in {@link System#nanoTime()} terms; 0 before. */
		public long endNanos() {
			return this.endNanos;
		}

		/** The stream's DATA as text, up to its last 4 KB. */
		public String text() {
			synchronized (this.text) {
				return this.text.toString();
			}
		}

		private void append(String chunk) {
			synchronized (this.text) {
				this.text.append(chunk);
				if (this.text.length() > 4096) {
					this.text.delete(0, this.text.length() - 4096);
				}
			}
		}

		/** The response's content type, empty before its headers or without one. */
		public String contentType() {
			return this.contentType;
		}

		/** The response's Retry-After, empty without one. */
		public String retryAfter() {
			return this.retryAfter;
		}

		/** Whether the server reset the stream. */
		public boolean reset() {
			return this.reset;
		}

	}

	private final class Handler extends Http2ChannelDuplexHandler {

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			try {
				if (msg instanceof Http2HeadersFrame headers && headers.stream() != null) {
					Stream stream = H2FrameClient.this.streams.get(headers.stream().id());
					if (stream != null && headers.headers().status() != null) {
						CharSequence type = headers.headers().get("content-type");
						CharSequence retry = headers.headers().get("retry-after");
						stream.contentType = (type != null) ? type.toString() : "";
						stream.retryAfter = (retry != null) ? retry.toString() : "";
						stream.status = Integer.parseInt(headers.headers().status().toString());
					}
					if (stream != null && headers.isEndStream()) {
						stream.endNanos = System.nanoTime();
					}
				}
				else if (msg instanceof Http2DataFrame data) {
					Stream stream = H2FrameClient.this.streams.get(data.stream().id());
					int size = data.initialFlowControlledBytes();
					if (stream != null) {
						stream.received.addAndGet(data.content().readableBytes());
						stream.lastDataNanos = System.nanoTime();
						if (stream.keepsText) {
							stream.append(data.content().toString(StandardCharsets.UTF_8));
						}
						if (data.isEndStream()) {
							stream.endNanos = System.nanoTime();
						}
					}
					if (stream != null && stream.reads && size > 0) {
						ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(size).stream(data.stream()));
					}
				}
				else if (msg instanceof Http2GoAwayFrame) {
					H2FrameClient.this.goAwayNanos = System.nanoTime();
				}
				else if (msg instanceof Http2ResetFrame reset) {
					Stream stream = H2FrameClient.this.streams.get(reset.stream().id());
					if (stream != null) {
						stream.reset = true;
					}
				}
			}
			finally {
				ReferenceCountUtil.release(msg);
			}
		}

	}

}
