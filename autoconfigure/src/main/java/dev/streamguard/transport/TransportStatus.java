package dev.streamguard.transport;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.channel.Channel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * Applies {@link TransportOptions} to the server's accepted connections and keeps what is in
 * effect: the transport predicted at startup (probed on a socket of that transport, options set
 * and read back), and the options read back from the most recent accepted connection.
 *
 * @since 0.1.0
 */
public class TransportStatus {

	private static final Log logger = LogFactory.getLog(TransportStatus.class);

	private static final ClassLoader CLASS_LOADER = TransportStatus.class.getClassLoader();

	private final SocketOptions socketOptions;

	private final EffectiveTransport expected;

	private final AtomicLong configured = new AtomicLong();

	private final AtomicLong failures = new AtomicLong();

	private final AtomicLong headerTimeouts = new AtomicLong();

	private final AtomicBoolean firstConnectionReported = new AtomicBoolean();

	private volatile @Nullable EffectiveTransport lastApplied;

	/**
	 * Create a status for the given options, probing the transport that the server will use.
	 * @param options the options to apply to accepted connections
	 */
	public TransportStatus(TransportOptions options) {
		this.socketOptions = new SocketOptions(Objects.requireNonNull(options, "options"));
		this.expected = probe(this.socketOptions);
	}

	/**
	 * Apply the options to a newly accepted connection. Never throws: a failure is counted and
	 * logged.
	 * @param channel the accepted connection
	 */
	public void onAccepted(Channel channel) {
		TransportKind kind = TransportKind.of(channel);
		if (kind == TransportKind.OTHER) {
			return;
		}
		try {
			EffectiveTransport effective = this.socketOptions.apply(channel);
			PeerProgress.install(channel, effective.userTimeout());
			this.lastApplied = effective;
			this.configured.incrementAndGet();
			if (this.firstConnectionReported.compareAndSet(false, true) && kind != this.expected.kind()) {
				logger.info("StreamGuard transport on accepted connections: " + effective.describe());
			}
			else if (logger.isDebugEnabled()) {
				logger.debug("[" + channel + "] " + effective.describe());
			}
		}
		catch (RuntimeException ex) {
			if (this.failures.getAndIncrement() == 0) {
				logger.warn("[" + channel + "] Could not set transport options " + this.socketOptions.options()
						+ "; streams on such connections rely on the stall timeout and heartbeats", ex);
			}
		}
	}

	/**
	 * Log the effective transport once: INFO where the options apply, WARN where the user
	 * timeout was asked for and cannot apply.
	 * @param fallback what still protects streams where it cannot, for the warning
	 */
	public void logStartup(String fallback) {
		EffectiveTransport effective = this.expected;
		TransportOptions requested = this.socketOptions.options();
		if (requested.userTimeout() != null && effective.userTimeout() == null) {
			logger.warn("StreamGuard transport: " + effective.describe() + ". TCP_USER_TIMEOUT ("
					+ requested.userTimeout().toMillis() + " ms) cannot be set on the " + effective.kind()
					+ " transport, so a peer that vanishes mid-write is only released by " + fallback
					+ ". Add io.netty:netty-transport-native-epoll (Linux) to apply it.");
		}
		else {
			logger.info("StreamGuard transport: " + effective.describe());
		}
	}

	/**
	 * Return the options applied to accepted connections.
	 * @return the requested options
	 */
	public TransportOptions requested() {
		return this.socketOptions.options();
	}

	/**
	 * Return what was in effect on a socket of the predicted transport at startup.
	 * @return the effective transport at startup
	 */
	public EffectiveTransport expected() {
		return this.expected;
	}

	/**
	 * Return what was read back from the most recent accepted connection.
	 * @return the effective transport, or the startup probe before any connection
	 */
	public EffectiveTransport effective() {
		EffectiveTransport last = this.lastApplied;
		return (last != null) ? last : this.expected;
	}

	/**
	 * Return how many accepted connections were configured.
	 * @return the count
	 */
	public long configuredConnections() {
		return this.configured.get();
	}

	/**
	 * Count a connection closed because its request headers did not arrive in time.
	 */
	public void onRequestHeaderTimeout() {
		this.headerTimeouts.incrementAndGet();
	}

	/**
	 * Return how many connections were closed because their request headers did not arrive
	 * in time (slowloris).
	 * @return the count
	 */
	public long requestHeaderTimeouts() {
		return this.headerTimeouts.get();
	}

	/**
	 * Return how many accepted connections could not be configured.
	 * @return the count
	 */
	public long failedConnections() {
		return this.failures.get();
	}

	private static EffectiveTransport probe(SocketOptions options) {
		Channel channel = null;
		try {
			channel = newSocketOfPredictedTransport();
			return options.apply(channel);
		}
		catch (RuntimeException | LinkageError ex) {
			logger.debug("Could not probe the transport", ex);
			return new EffectiveTransport(TransportKind.OTHER, null, false, null, null, null);
		}
		finally {
			if (channel != null) {
				channel.unsafe().closeForcibly();
			}
		}
	}

	/**
	 * Open a socket of the transport Reactor Netty picks: io_uring, then epoll, then NIO, unless
	 * native transports are switched off with {@code -Dreactor.netty.native=false}.
	 */
	private static Channel newSocketOfPredictedTransport() {
		boolean preferNative = Boolean.parseBoolean(System.getProperty("reactor.netty.native", "true"));
		if (preferNative && ClassUtils.isPresent("io.netty.channel.uring.IoUring", CLASS_LOADER)
				&& IoUringSockets.available()) {
			return IoUringSockets.open();
		}
		if (preferNative && ClassUtils.isPresent("io.netty.channel.epoll.Epoll", CLASS_LOADER)
				&& EpollSockets.available()) {
			return EpollSockets.open();
		}
		return new NioSocketChannel();
	}

	// Holders load the optional native classes only when they are present.

	private static final class EpollSockets {

		static boolean available() {
			return io.netty.channel.epoll.Epoll.isAvailable();
		}

		static Channel open() {
			return new io.netty.channel.epoll.EpollSocketChannel();
		}

	}

	private static final class IoUringSockets {

		static boolean available() {
			return io.netty.channel.uring.IoUring.isAvailable();
		}

		static Channel open() {
			return new io.netty.channel.uring.IoUringSocketChannel();
		}

	}

}
