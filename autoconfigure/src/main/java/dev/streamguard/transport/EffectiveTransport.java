package dev.streamguard.transport;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * What is in effect on a connection, read back from the socket after the options were set.
 *
 * @param kind the transport
 * @param userTimeout TCP_USER_TIMEOUT read back, {@code null} when off or not supported
 * @param keepalive SO_KEEPALIVE read back
 * @param keepaliveIdle TCP_KEEPIDLE read back, {@code null} when unknown
 * @param keepaliveInterval TCP_KEEPINTVL read back, {@code null} when unknown
 * @param keepaliveCount TCP_KEEPCNT read back, {@code null} when unknown
 * @since 0.1.0
 */
public record EffectiveTransport(TransportKind kind, @Nullable Duration userTimeout, boolean keepalive,
		@Nullable Duration keepaliveIdle, @Nullable Duration keepaliveInterval, @Nullable Integer keepaliveCount) {

	/**
	 * Describe the effective options in one line, for logs.
	 * @return the description
	 */
	public String describe() {
		StringBuilder line = new StringBuilder(this.kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
		line.append(", TCP_USER_TIMEOUT ");
		line.append((this.userTimeout != null) ? this.userTimeout.toMillis() + " ms" : "off");
		line.append(", keepalive ");
		if (!this.keepalive) {
			line.append("off");
		}
		else {
			line.append("on (idle ")
				.append(seconds(this.keepaliveIdle))
				.append(", interval ")
				.append(seconds(this.keepaliveInterval))
				.append(", count ")
				.append((this.keepaliveCount != null) ? this.keepaliveCount : "system default")
				.append(')');
		}
		return line.toString();
	}

	private static String seconds(@Nullable Duration duration) {
		return (duration != null) ? duration.toSeconds() + " s" : "system default";
	}

}
