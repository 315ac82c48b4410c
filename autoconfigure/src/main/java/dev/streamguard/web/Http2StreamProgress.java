package dev.streamguard.web;

import java.io.IOException;

import dev.streamguard.transport.PeerProgress;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The progress of one HTTP/2 stream, as its flow-control window shows it. Over HTTP/2 a
 * stream's bytes can wait on three things: the stream's own window, the connection's window
 * shared by all its streams, and TCP. The peer returns window for a stream as its
 * application reads it, so the stream's window tells what the connection's TCP figures
 * cannot: which stream the peer stopped reading.
 * <p>
 * A stream with nothing waiting (nothing pending, room in its window) makes progress. A
 * waiting stream is judged by who holds it back:
 * <ul>
 * <li>the peer holds half the stream's window or more and returns none (clients give window
 * back in batches, commonly once they read half of it): its clock runs, unless the kernel
 * still holds data for the peer, which may be those bytes (then the peer acknowledging TCP
 * counts as progress, as over HTTP/1.1). TCP delivers in order, so the window a busy sibling
 * gets back for bytes sent after this stream's last ones proves that they arrived: from
 * then on the kernel's backlog is the sibling's, and the stream's clock runs;</li>
 * <li>the peer holds less, yet the stream's bytes cannot leave: the stream is frozen by its
 * connection (a sibling holding the connection's window, or TCP). Its clock is the
 * connection's: it restarts whenever a stream of the connection makes progress or ends, so
 * that a stream is never cut for a sibling's stall; if the connection stays frozen, it ends
 * {@code STALLED} one stall timeout after the last such event.</li>
 * </ul>
 * Confined to the connection's event loop, where the stream's ticks run.
 */
final class Http2StreamProgress {

	private static final AttributeKey<Connection> CONNECTION = AttributeKey
		.valueOf(Http2StreamProgress.class.getName() + ".connection");

	private final Http2StreamChannel channel;

	private final Http2RemoteFlowController flow;

	private final Http2Connection http2;

	private final Connection connection;

	private long lastSent = -1;

	private long lastReturned = -1;

	// Read when the stream ends, on whichever thread ends it.
	private volatile boolean holdsWindow;

	private boolean frozenByConnection;

	// Confined to the connection's event loop, where the checks run.
	private long lastCheckNanos = System.nanoTime();

	private long lastSentNanos = System.nanoTime();

	private long checkpointBytes = -1;

	private long checkpointBeforeNanos;

	private long deliveredKnownNanos;

	private Http2StreamProgress(Http2StreamChannel channel, Http2Connection http2, Connection connection) {
		this.channel = channel;
		this.http2 = http2;
		this.flow = http2.remote().flowController();
		this.connection = connection;
	}

	/**
	 * Return the progress of the stream carried by the given channel.
	 * @return the progress, {@code null} when the channel is not an HTTP/2 stream of a
	 * connection handled by Netty's HTTP/2 codec
	 */
	static @Nullable Http2StreamProgress of(@Nullable Channel channel) {
		if (!(channel instanceof Http2StreamChannel stream) || stream.parent() == null) {
			return null;
		}
		Channel parent = stream.parent();
		Http2ConnectionHandler codec = parent.pipeline().get(Http2ConnectionHandler.class);
		if (codec == null) {
			return null;
		}
		Connection connection = parent.attr(CONNECTION).setIfAbsent(new Connection());
		if (connection == null) {
			connection = parent.attr(CONNECTION).get();
			ConnectionErrors.install(parent);
		}
		return new Http2StreamProgress(stream, codec.connection(), connection);
	}

	/**
	 * Check the stream's progress.
	 * @param now the time of the check
	 * @param left the bytes of the stream that left for the socket
	 * @param pending the bytes written that have not yet left
	 * @param lastProgress the stream's last progress
	 * @param peer the connection's TCP progress, {@code null} where the transport offers none
	 * @return the stream's last progress, {@code now} when it moved
	 */
	long check(long now, long left, long pending, long lastProgress, @Nullable PeerProgress peer) {
		Http2Stream stream = this.http2.stream(this.channel.stream().id());
		if (stream == null) {
			// Closed: its end is on the way.
			return now;
		}
		long initial = this.flow.initialWindowSize();
		long outstanding = Math.max(0, initial - this.flow.windowSize(stream));
		long returned = left - outstanding;
		boolean sent = left != this.lastSent;
		boolean moved = sent || returned != this.lastReturned;
		trackDelivery(now, left, returned, sent);
		this.lastSent = left;
		this.lastReturned = returned;
		// Clients give a stream's window back in batches, commonly once they read half of it:
		// below that, a reading client may wait for more before it returns any.
		boolean holds = outstanding > 0 && outstanding * 2 >= initial;
		this.holdsWindow = holds;
		this.frozenByConnection = false;
		if (moved) {
			this.connection.lastProgressNanos = now;
			return now;
		}
		if (pending == 0 && this.channel.isWritable()) {
			// Nothing waits for the peer. (A stream whose window is spent turns unwritable with
			// nothing pending: its producer waits.)
			return now;
		}
		if (holds) {
			if (peer != null && peer.holding()) {
				if (this.connection.deliveredBeforeNanos >= this.lastSentNanos) {
					// The kernel holds a sibling's data: this stream's arrived, and the peer keeps
					// it. Timed from when that became known, not from the stream's last bytes.
					if (this.deliveredKnownNanos == 0) {
						this.deliveredKnownNanos = now;
					}
					return Math.max(lastProgress, this.deliveredKnownNanos);
				}
				// The kernel still holds data for the peer, maybe this stream's.
				return Math.max(lastProgress, peer.lastProgressNanos());
			}
			return lastProgress;
		}
		this.frozenByConnection = true;
		long since = Math.max(lastProgress, this.connection.lastProgressNanos);
		return (peer != null && peer.holding()) ? Math.max(since, peer.lastProgressNanos()) : since;
	}

	/**
	 * Learn what the peer has received from the window it gives back. Its TCP connection
	 * delivers in order: once the peer gave back window for a byte of this stream, it has
	 * received everything sent before that byte, on every stream of the connection. A
	 * checkpoint is the stream's bytes as of a check in which more left, and the check before,
	 * when its last byte had not yet left: once the peer gives that much back, everything that
	 * left before that earlier check has arrived.
	 */
	private void trackDelivery(long now, long left, long returned, boolean sent) {
		if (sent) {
			this.lastSentNanos = now;
			this.deliveredKnownNanos = 0;
			if (this.checkpointBytes < 0) {
				this.checkpointBytes = left;
				this.checkpointBeforeNanos = this.lastCheckNanos;
			}
		}
		if (this.checkpointBytes >= 0 && returned >= this.checkpointBytes) {
			Connection connection = this.connection;
			connection.deliveredBeforeNanos = Math.max(connection.deliveredBeforeNanos, this.checkpointBeforeNanos);
			this.checkpointBytes = -1;
		}
		this.lastCheckNanos = now;
	}

	/**
	 * Whether the last check found the stream frozen by its connection rather than by its peer:
	 * the peer holds none of its bytes. Such a stream is given a grace beyond the stall
	 * timeout, so that a sibling that stalled at the same moment ends first and gives the
	 * connection's window back.
	 */
	boolean frozenByConnection() {
		return this.frozenByConnection;
	}

	/**
	 * The stream ended. If the peer held its window, the connection may have the room back
	 * that its siblings waited for.
	 */
	void ended(long now) {
		if (this.holdsWindow) {
			this.connection.lastProgressNanos = now;
		}
	}

	/**
	 * The last handler of an HTTP/2 connection that carries guarded streams. The connection's
	 * pipeline has no handler of Reactor Netty's at its end, so the transport failure that ends
	 * a connection (a reset, a timed-out peer) reaches Netty's tail, which logs it as a warning
	 * although each stream already ended with its reason. Transport failures end here, at
	 * DEBUG; anything else goes on to the tail as before.
	 */
	@Sharable
	static final class ConnectionErrors extends ChannelInboundHandlerAdapter {

		static final String NAME = "streamguard.h2ConnectionErrors";

		private static final Log logger = LogFactory.getLog(ConnectionErrors.class);

		private static final ConnectionErrors INSTANCE = new ConnectionErrors();

		static void install(Channel connection) {
			ChannelPipeline pipeline = connection.pipeline();
			try {
				if (pipeline.get(NAME) == null) {
					pipeline.addLast(NAME, INSTANCE);
				}
			}
			catch (IllegalArgumentException ex) {
				// Added by another stream of the connection meanwhile.
			}
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
			if (cause instanceof IOException) {
				if (logger.isDebugEnabled()) {
					logger.debug("[" + ctx.channel() + "] HTTP/2 connection failed: " + cause);
				}
				return;
			}
			ctx.fireExceptionCaught(cause);
		}

	}

	/** What the streams of one connection share, confined to its event loop. */
	private static final class Connection {

		volatile long lastProgressNanos = System.nanoTime();

		// Everything sent on the connection before this time has reached the peer, as the
		// window given back for later bytes proves; changed on the connection's event loop.
		volatile long deliveredBeforeNanos;

	}

}
