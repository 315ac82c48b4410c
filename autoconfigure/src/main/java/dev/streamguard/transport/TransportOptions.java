package dev.streamguard.transport;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Socket options for the server's accepted connections. Immutable; every {@code with...}
 * method returns a copy.
 *
 * @param userTimeout TCP_USER_TIMEOUT: how long sent data may stay unacknowledged (or a zero
 * window stay closed) before the kernel drops the connection; {@code null} leaves the kernel
 * default (off)
 * @param keepalive whether SO_KEEPALIVE is on
 * @param keepaliveIdle TCP_KEEPIDLE: idle time before the first probe, {@code null} for the
 * kernel default
 * @param keepaliveInterval TCP_KEEPINTVL: time between probes, {@code null} for the kernel
 * default
 * @param keepaliveCount TCP_KEEPCNT: unanswered probes before the connection is dropped,
 * {@code null} for the kernel default
 * @since 0.1.0
 */
public record TransportOptions(@Nullable Duration userTimeout, boolean keepalive, @Nullable Duration keepaliveIdle,
		@Nullable Duration keepaliveInterval, @Nullable Integer keepaliveCount) {

	/** Options that set nothing. */
	public static final TransportOptions NONE = new TransportOptions(null, false, null, null, null);

	/**
	 * Normalise a zero user timeout to {@code null} (off).
	 */
	public TransportOptions {
		if (userTimeout != null && (userTimeout.isZero() || userTimeout.isNegative())) {
			userTimeout = null;
		}
	}

	/**
	 * Return a copy with the given user timeout.
	 * @param userTimeout the user timeout, {@code null} or zero for off
	 * @return the new options
	 */
	public TransportOptions withUserTimeout(@Nullable Duration userTimeout) {
		return new TransportOptions(userTimeout, this.keepalive, this.keepaliveIdle, this.keepaliveInterval,
				this.keepaliveCount);
	}

	/**
	 * Return a copy with keepalive on and the given probe timing.
	 * @param idle idle time before the first probe
	 * @param interval time between probes
	 * @param count unanswered probes before the connection is dropped
	 * @return the new options
	 */
	public TransportOptions withKeepalive(Duration idle, Duration interval, int count) {
		return new TransportOptions(this.userTimeout, true, idle, interval, count);
	}

	/**
	 * Whether these options set anything at all.
	 * @return {@code false} for {@link #NONE}
	 */
	public boolean isEmpty() {
		return this.userTimeout == null && !this.keepalive;
	}

}
