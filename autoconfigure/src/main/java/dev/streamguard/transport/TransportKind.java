package dev.streamguard.transport;

import io.netty.channel.Channel;

/**
 * The Netty transport a connection runs on, which decides the socket options that can be set.
 *
 * @since 0.1.0
 */
public enum TransportKind {

	/** Linux io_uring: TCP_USER_TIMEOUT and keepalive tuning. */
	IO_URING(true),

	/** Linux epoll: TCP_USER_TIMEOUT, keepalive tuning and TCP_INFO. */
	EPOLL(true),

	/** Java NIO: keepalive tuning where the JDK supports it, no TCP_USER_TIMEOUT. */
	NIO(false),

	/** Any other transport: nothing is set. */
	OTHER(false);

	private final boolean userTimeoutSupported;

	TransportKind(boolean userTimeoutSupported) {
		this.userTimeoutSupported = userTimeoutSupported;
	}

	/**
	 * Whether this transport can set TCP_USER_TIMEOUT.
	 * @return {@code true} for the native Linux transports
	 */
	public boolean supportsUserTimeout() {
		return this.userTimeoutSupported;
	}

	/**
	 * Return the kind of the given channel, judged by its class name so that optional native
	 * transports need not be on the class path.
	 * @param channel the channel
	 * @return the transport kind
	 */
	public static TransportKind of(Channel channel) {
		String name = channel.getClass().getName();
		if (name.startsWith("io.netty.channel.uring.")) {
			return IO_URING;
		}
		if (name.startsWith("io.netty.channel.epoll.")) {
			return EPOLL;
		}
		if (name.startsWith("io.netty.channel.socket.nio.")) {
			return NIO;
		}
		return OTHER;
	}

}
