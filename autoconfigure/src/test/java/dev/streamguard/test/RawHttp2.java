package dev.streamguard.test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * An HTTP/2 client over h2c with prior knowledge on a plain socket (or h2 over TLS), so that a test decides
 * which frames are sent, when, and whether PINGs are answered. Received frames are read on a
 * thread of their own (which keeps the connection's window open at the TCP level) and queued.
 */
public final class RawHttp2 implements AutoCloseable {

	public static final int DATA = 0x0;

	public static final int HEADERS = 0x1;

	public static final int RST_STREAM = 0x3;

	public static final int SETTINGS = 0x4;

	public static final int PING = 0x6;

	public static final int GOAWAY = 0x7;

	public static final int WINDOW_UPDATE = 0x8;

	public static final int CONTINUATION = 0x9;

	public static final int END_STREAM = 0x1;

	public static final int END_HEADERS = 0x4;

	public static final int ACK = 0x1;

	/** HTTP/2 error code REFUSED_STREAM. */
	public static final int REFUSED_STREAM = 0x7;

	public static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

	private final Socket socket;

	private final OutputStream out;

	private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();

	private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();

	private final Thread reader;

	private final int port;

	private volatile boolean answerPings;

	private volatile long closedNanos;

	private volatile long readRate;

	private volatile long bytesRead;

	private RawHttp2(Socket socket, int port) throws IOException {
		this.socket = socket;
		this.port = port;
		this.out = socket.getOutputStream();
		this.reader = new Thread(this::read, "raw-h2-reader");
		this.reader.setDaemon(true);
	}

	/**
	 * Connect to 127.0.0.1 and read what arrives; send nothing yet.
	 */
	public static RawHttp2 connect(int port) throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
		socket.setTcpNoDelay(true);
		RawHttp2 client = new RawHttp2(socket, port);
		client.reader.start();
		return client;
	}

	/**
	 * Connect over TLS, trusting any certificate, with ALPN offering only h2; send nothing yet.
	 */
	public static RawHttp2 connectTls(int port) throws IOException {
		try {
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(null, new TrustManager[] { new TrustAll() }, null);
			SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
			socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
			SSLParameters parameters = socket.getSSLParameters();
			parameters.setApplicationProtocols(new String[] { "h2" });
			socket.setSSLParameters(parameters);
			socket.startHandshake();
			if (!"h2".equals(socket.getApplicationProtocol())) {
				throw new IOException("ALPN chose '" + socket.getApplicationProtocol() + "', not h2");
			}
			RawHttp2 client = new RawHttp2(socket, port);
			client.reader.start();
			return client;
		}
		catch (GeneralSecurityException ex) {
			throw new IOException(ex);
		}
	}

	/**
	 * Connect, send the preface and empty SETTINGS, and acknowledge the server's SETTINGS.
	 */
	public static RawHttp2 open(int port) throws IOException {
		return start(connect(port));
	}

	/**
	 * Connect over TLS (h2 by ALPN), send the preface and empty SETTINGS, and acknowledge the
	 * server's SETTINGS.
	 */
	public static RawHttp2 openTls(int port) throws IOException {
		return start(connectTls(port));
	}

	private static RawHttp2 start(RawHttp2 client) throws IOException {
		client.send(PREFACE);
		client.send(frame(SETTINGS, 0, 0, new byte[0]));
		client.send(frame(SETTINGS, ACK, 0, new byte[0]));
		return client;
	}

	/**
	 * Connect with a small receive buffer, send the preface with SETTINGS that open the
	 * largest window on every stream and on the connection, and acknowledge the server's
	 * SETTINGS: the server may send without waiting for WINDOW_UPDATEs, so TCP alone paces it.
	 */
	public static RawHttp2 openWithLargeWindow(int port, int receiveBuffer) throws IOException {
		Socket socket = new Socket();
		socket.setReceiveBufferSize(receiveBuffer);
		socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
		RawHttp2 client = new RawHttp2(socket, port);
		client.reader.start();
		client.send(PREFACE);
		// SETTINGS_INITIAL_WINDOW_SIZE (0x4) = 2^31 - 1.
		client.send(frame(SETTINGS, 0, 0, new byte[] { 0, 4, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff }));
		client.send(frame(SETTINGS, ACK, 0, new byte[0]));
		int increment = Integer.MAX_VALUE - 65535;
		client.send(frame(WINDOW_UPDATE, 0, 0, new byte[] { (byte) (increment >>> 24), (byte) (increment >>> 16),
				(byte) (increment >>> 8), (byte) increment }));
		return client;
	}

	/** Read at most this many bytes a second, as a slow reader does. */
	public RawHttp2 readingAt(long bytesPerSecond) {
		this.readRate = bytesPerSecond;
		return this;
	}

	/** How many frame bytes were read so far. */
	public long bytesRead() {
		return this.bytesRead;
	}

	/** Answer every PING the server sends, as a live client does. */
	public RawHttp2 answeringPings() {
		this.answerPings = true;
		return this;
	}

	/** Send a GET for the path on the given (odd) stream: one HEADERS frame that ends it. */
	public void get(int streamId, String path) throws IOException {
		send(frame(HEADERS, END_HEADERS | END_STREAM, streamId, headerBlock(streamId, path)));
	}

	/** Return the HPACK block of a GET request for the path. */
	public byte[] headerBlock(int streamId, String path) {
		Http2Headers headers = new DefaultHttp2Headers().method("GET")
			.scheme("http")
			.authority("127.0.0.1:" + this.port)
			.path(path);
		ByteBuf buffer = Unpooled.buffer();
		try {
			this.encoder.encodeHeaders(streamId, headers, buffer);
			byte[] block = new byte[buffer.readableBytes()];
			buffer.readBytes(block);
			return block;
		}
		catch (Http2Exception ex) {
			throw new IllegalStateException(ex);
		}
		finally {
			buffer.release();
		}
	}

	public synchronized void send(byte[] bytes) throws IOException {
		this.out.write(bytes);
		this.out.flush();
	}

	public static byte[] frame(int type, int flags, int streamId, byte[] payload) {
		byte[] frame = new byte[9 + payload.length];
		frame[0] = (byte) (payload.length >>> 16);
		frame[1] = (byte) (payload.length >>> 8);
		frame[2] = (byte) payload.length;
		frame[3] = (byte) type;
		frame[4] = (byte) flags;
		frame[5] = (byte) ((streamId >>> 24) & 0x7f);
		frame[6] = (byte) (streamId >>> 16);
		frame[7] = (byte) (streamId >>> 8);
		frame[8] = (byte) streamId;
		System.arraycopy(payload, 0, frame, 9, payload.length);
		return frame;
	}

	/** Wait for the next frame of the given type, skipping others. */
	public Frame await(int type, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		for (long left; (left = deadline - System.nanoTime()) > 0;) {
			Frame frame = this.frames.poll(left, TimeUnit.NANOSECONDS);
			if (frame != null && frame.type() == type) {
				return frame;
			}
		}
		throw new AssertionError("No frame of type " + type + " within " + timeout);
	}

	/** Wait for the server to close the connection. */
	public boolean awaitClosed(Duration timeout) throws InterruptedException {
		this.reader.join(timeout.toMillis());
		return !this.reader.isAlive();
	}

	/** When the server closed the connection, in {@link System#nanoTime()} terms, or 0. */
	public long closedNanos() {
		return this.closedNanos;
	}

	private void read() {
		try (DataInputStream in = new DataInputStream(this.socket.getInputStream())) {
			byte[] header = new byte[9];
			while (true) {
				in.readFully(header);
				int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
				int streamId = ((header[5] & 0x7f) << 24) | ((header[6] & 0xff) << 16) | ((header[7] & 0xff) << 8)
						| (header[8] & 0xff);
				byte[] payload = new byte[length];
				in.readFully(payload);
				this.bytesRead += 9 + length;
				long rate = this.readRate;
				if (rate > 0) {
					TimeUnit.NANOSECONDS.sleep((9 + length) * 1_000_000_000L / rate);
				}
				Frame frame = new Frame(header[3] & 0xff, header[4] & 0xff, streamId, payload);
				if (frame.type() == PING && (frame.flags() & ACK) == 0 && this.answerPings) {
					send(frame(PING, ACK, 0, payload));
				}
				this.frames.add(frame);
			}
		}
		catch (IOException ex) {
			this.closedNanos = System.nanoTime();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	private static final class TrustAll implements X509TrustManager {

		@Override
		public void checkClientTrusted(X509Certificate[] chain, String authType) {
		}

		@Override
		public void checkServerTrusted(X509Certificate[] chain, String authType) {
		}

		@Override
		public X509Certificate[] getAcceptedIssuers() {
			return new X509Certificate[0];
		}

	}

	public record Frame(int type, int flags, int streamId, byte[] payload) {

		/** The error code of a RST_STREAM or the 32-bit value at the given offset. */
		public long int32(int offset) {
			return ((this.payload[offset] & 0xffL) << 24) | ((this.payload[offset + 1] & 0xffL) << 16)
					| ((this.payload[offset + 2] & 0xffL) << 8) | (this.payload[offset + 3] & 0xffL);
		}

		/** The value of a SETTINGS parameter in this frame, or -1. */
		public long setting(int identifier) {
			for (int at = 0; at + 6 <= this.payload.length; at += 6) {
				int id = ((this.payload[at] & 0xff) << 8) | (this.payload[at + 1] & 0xff);
				if (id == identifier) {
					return int32(at + 2);
				}
			}
			return -1;
		}

		@Override
		public String toString() {
			return "Frame[type=" + this.type + ", flags=" + this.flags + ", stream=" + this.streamId + ", "
					+ Arrays.toString(Arrays.copyOf(this.payload, Math.min(this.payload.length, 16))) + "]";
		}

	}

}
