package dev.streamguard.transport;

import java.time.Duration;
import java.util.Objects;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import jdk.net.ExtendedSocketOptions;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * Sets {@link TransportOptions} on a connection with the option family of the channel's own
 * transport, and reads back what took effect. An option of the wrong family would be ignored
 * by Netty apart from a log line, so the family is chosen from the channel actually in use.
 *
 * @since 0.1.0
 */
public final class SocketOptions {

	private static final boolean EPOLL_PRESENT = ClassUtils.isPresent("io.netty.channel.epoll.EpollChannelOption",
			SocketOptions.class.getClassLoader());

	private static final boolean IO_URING_PRESENT = ClassUtils
		.isPresent("io.netty.channel.uring.IoUringChannelOption", SocketOptions.class.getClassLoader());

	private final TransportOptions options;

	/**
	 * Create an instance that sets the given options.
	 * @param options the options
	 */
	public SocketOptions(TransportOptions options) {
		this.options = Objects.requireNonNull(options, "options");
	}

	/**
	 * Return the options this instance sets.
	 * @return the options
	 */
	public TransportOptions options() {
		return this.options;
	}

	/**
	 * Set the options on the given channel and read back what took effect.
	 * @param channel an open socket channel
	 * @return what is in effect
	 */
	public EffectiveTransport apply(Channel channel) {
		TransportKind kind = TransportKind.of(channel);
		Family family = family(kind);
		ChannelConfig config = channel.config();
		if (family == null) {
			return new EffectiveTransport(kind, null, bool(config, ChannelOption.SO_KEEPALIVE), null, null, null);
		}
		if (this.options.keepalive()) {
			config.setOption(ChannelOption.SO_KEEPALIVE, true);
			setSeconds(config, family.keepIdle(), this.options.keepaliveIdle());
			setSeconds(config, family.keepInterval(), this.options.keepaliveInterval());
			if (this.options.keepaliveCount() != null && family.keepCount() != null) {
				config.setOption(family.keepCount(), this.options.keepaliveCount());
			}
		}
		Duration userTimeout = this.options.userTimeout();
		if (userTimeout != null && family.userTimeout() != null) {
			config.setOption(family.userTimeout(), (int) Math.min(Integer.MAX_VALUE, userTimeout.toMillis()));
		}
		Integer userTimeoutMillis = (family.userTimeout() != null) ? config.getOption(family.userTimeout()) : null;
		return new EffectiveTransport(kind,
				(userTimeoutMillis != null && userTimeoutMillis > 0) ? Duration.ofMillis(userTimeoutMillis) : null,
				bool(config, ChannelOption.SO_KEEPALIVE), seconds(config, family.keepIdle()),
				seconds(config, family.keepInterval()),
				(family.keepCount() != null) ? config.getOption(family.keepCount()) : null);
	}

	private static boolean bool(ChannelConfig config, ChannelOption<Boolean> option) {
		return Boolean.TRUE.equals(config.getOption(option));
	}

	private static void setSeconds(ChannelConfig config, @Nullable ChannelOption<Integer> option,
			@Nullable Duration value) {
		if (option != null && value != null) {
			config.setOption(option, (int) Math.max(1, Math.min(Integer.MAX_VALUE, value.toSeconds())));
		}
	}

	private static @Nullable Duration seconds(ChannelConfig config, @Nullable ChannelOption<Integer> option) {
		if (option == null) {
			return null;
		}
		Integer value = config.getOption(option);
		return (value != null && value > 0) ? Duration.ofSeconds(value) : null;
	}

	private static @Nullable Family family(TransportKind kind) {
		return switch (kind) {
			case EPOLL -> EPOLL_PRESENT ? EpollFamily.FAMILY : null;
			case IO_URING -> IO_URING_PRESENT ? IoUringFamily.FAMILY : null;
			case NIO -> NioFamily.FAMILY;
			case OTHER -> null;
		};
	}

	/**
	 * The channel options of one transport; {@code null} where the transport has none.
	 */
	record Family(@Nullable ChannelOption<Integer> userTimeout, @Nullable ChannelOption<Integer> keepIdle,
			@Nullable ChannelOption<Integer> keepInterval, @Nullable ChannelOption<Integer> keepCount) {
	}

	// Holders load the optional native classes only when their transport is in use.

	private static final class EpollFamily {

		static final Family FAMILY = new Family(io.netty.channel.epoll.EpollChannelOption.TCP_USER_TIMEOUT,
				io.netty.channel.epoll.EpollChannelOption.TCP_KEEPIDLE,
				io.netty.channel.epoll.EpollChannelOption.TCP_KEEPINTVL,
				io.netty.channel.epoll.EpollChannelOption.TCP_KEEPCNT);

	}

	private static final class IoUringFamily {

		static final Family FAMILY = new Family(io.netty.channel.uring.IoUringChannelOption.TCP_USER_TIMEOUT,
				io.netty.channel.uring.IoUringChannelOption.TCP_KEEPIDLE,
				io.netty.channel.uring.IoUringChannelOption.TCP_KEEPINTVL,
				io.netty.channel.uring.IoUringChannelOption.TCP_KEEPCNT);

	}

	private static final class NioFamily {

		static final Family FAMILY = new Family(null, NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE),
				NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL),
				NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT));

	}

}
