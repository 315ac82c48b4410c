package dev.streamguard.autoconfigure;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.convert.DurationUnit;

/**
 * Configuration properties of the auto-configured
 * {@link dev.streamguard.client.StreamGuardClient}. A key under {@code streamguard.client.} that
 * names none of them fails startup, and a duration written without a unit is read in seconds;
 * {@code StreamGuardClientPropertiesValidator} checks the values.
 *
 * @since 0.2.0
 */
@ConfigurationProperties(prefix = "streamguard.client", ignoreUnknownFields = false)
public class StreamGuardClientProperties {

	/**
	 * How long a connection may deliver nothing, heartbeats included, before the client gives it
	 * up and resumes on a new one. Zero disables.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private Duration readIdleTimeout = Duration.ofSeconds(45);

	private final Transport transport = new Transport();

	private final Retry retry = new Retry();

	public Duration getReadIdleTimeout() {
		return this.readIdleTimeout;
	}

	public void setReadIdleTimeout(Duration readIdleTimeout) {
		this.readIdleTimeout = readIdleTimeout;
	}

	public Transport getTransport() {
		return this.transport;
	}

	public Retry getRetry() {
		return this.retry;
	}

	/**
	 * Socket options of the client's connections: only what a client socket applies, so none of
	 * the server's request-header-timeout.
	 */
	public static class Transport {

		/**
		 * TCP_USER_TIMEOUT of the client's connections: how long sent data may stay
		 * unacknowledged before the kernel drops the connection and the client resumes on a new
		 * one. Applies on the native epoll and io_uring transports. Zero disables.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration userTimeout = Duration.ofSeconds(30);

		@NestedConfigurationProperty
		private final StreamGuardProperties.Keepalive keepalive = new StreamGuardProperties.Keepalive();

		public Duration getUserTimeout() {
			return this.userTimeout;
		}

		public void setUserTimeout(Duration userTimeout) {
			this.userTimeout = userTimeout;
		}

		public StreamGuardProperties.Keepalive getKeepalive() {
			return this.keepalive;
		}

	}

	/**
	 * Reconnection policy of the client, used unless a Resilience4j retry instance named
	 * "streamguard-client" is configured.
	 */
	public static class Retry {

		/**
		 * Attempts in a row, counted since the last event received, before the client gives up.
		 */
		private int maxAttempts = 10;

		/**
		 * Delay before the first reconnection attempt.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration initialBackoff = Duration.ofMillis(250);

		/**
		 * Longest delay between attempts.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration maxBackoff = Duration.ofSeconds(10);

		/**
		 * Factor by which the delay grows after each attempt.
		 */
		private double multiplier = 2.0;

		/**
		 * Random part of each delay, from 0 (none) to 1 (up to the whole delay either way).
		 */
		private double jitter = 0.5;

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getInitialBackoff() {
			return this.initialBackoff;
		}

		public void setInitialBackoff(Duration initialBackoff) {
			this.initialBackoff = initialBackoff;
		}

		public Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
		}

	}

}
