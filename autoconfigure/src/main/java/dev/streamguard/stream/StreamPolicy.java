package dev.streamguard.stream;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.springframework.util.unit.DataSize;

/**
 * The limits that apply to one stream, resolved from the defaults and the first matching route
 * when the stream starts. Immutable; every {@code with...} method returns a copy. A {@code null}
 * duration means the limit is off.
 *
 * @param stallTimeout how long the write window may stay full with no bytes leaving the process
 * @param idleTimeout how long the upstream may go without producing an element while demand is
 * open
 * @param firstElementTimeout how long the upstream may take to produce its first element
 * @param maxDuration how long the whole stream may last
 * @param heartbeatInterval how long a stream may send nothing before a heartbeat is sent
 * @param ndjsonHeartbeat whether NDJSON streams get heartbeats (an empty line) too
 * @param windowLow size under which a full write window has room again
 * @param windowHigh size at which the write window is full
 * @param resilience the Resilience4j instances that guard the stream
 * @param guardResources whether a {@code Resource} or file body of a stream content type (a
 * static file, a controller returning a {@code Resource}) is a live stream too; by default it
 * is passed through untouched (since 0.2.0)
 * @param lease how long a stream that its client can resume may last before the guard rotates
 * it (a clean end that tells the client to come back), so that a client that vanished behind a
 * proxy is released even though the proxy keeps reading; applies only to streams the guard can
 * rotate safely (since 0.2.0)
 * @since 0.1.0
 */
public record StreamPolicy(@Nullable Duration stallTimeout, @Nullable Duration idleTimeout,
		@Nullable Duration firstElementTimeout, @Nullable Duration maxDuration, @Nullable Duration heartbeatInterval,
		boolean ndjsonHeartbeat, DataSize windowLow, DataSize windowHigh, Resilience resilience,
		boolean guardResources, @Nullable Duration lease) {

	/**
	 * Create a policy without a lease.
	 * @param stallTimeout the stall timeout
	 * @param idleTimeout the idle timeout
	 * @param firstElementTimeout the first-element timeout
	 * @param maxDuration the maximum duration
	 * @param heartbeatInterval the heartbeat interval
	 * @param ndjsonHeartbeat whether NDJSON streams get heartbeats
	 * @param windowLow the low water mark
	 * @param windowHigh the high water mark
	 * @param resilience the Resilience4j instances
	 * @param guardResources whether resource bodies are live streams
	 * @since 0.2.0
	 */
	public StreamPolicy(@Nullable Duration stallTimeout, @Nullable Duration idleTimeout,
			@Nullable Duration firstElementTimeout, @Nullable Duration maxDuration, @Nullable Duration heartbeatInterval,
			boolean ndjsonHeartbeat, DataSize windowLow, DataSize windowHigh, Resilience resilience,
			boolean guardResources) {
		this(stallTimeout, idleTimeout, firstElementTimeout, maxDuration, heartbeatInterval, ndjsonHeartbeat, windowLow,
				windowHigh, resilience, guardResources, null);
	}

	/**
	 * Create a policy under which resource bodies are not live streams.
	 * @param stallTimeout the stall timeout
	 * @param idleTimeout the idle timeout
	 * @param firstElementTimeout the first-element timeout
	 * @param maxDuration the maximum duration
	 * @param heartbeatInterval the heartbeat interval
	 * @param ndjsonHeartbeat whether NDJSON streams get heartbeats
	 * @param windowLow the low water mark
	 * @param windowHigh the high water mark
	 * @param resilience the Resilience4j instances
	 */
	public StreamPolicy(@Nullable Duration stallTimeout, @Nullable Duration idleTimeout,
			@Nullable Duration firstElementTimeout, @Nullable Duration maxDuration, @Nullable Duration heartbeatInterval,
			boolean ndjsonHeartbeat, DataSize windowLow, DataSize windowHigh, Resilience resilience) {
		this(stallTimeout, idleTimeout, firstElementTimeout, maxDuration, heartbeatInterval, ndjsonHeartbeat, windowLow,
				windowHigh, resilience, false);
	}

	/**
	 * Create a policy without Resilience4j instances.
	 * @param stallTimeout the stall timeout
	 * @param idleTimeout the idle timeout
	 * @param firstElementTimeout the first-element timeout
	 * @param maxDuration the maximum duration
	 * @param heartbeatInterval the heartbeat interval
	 * @param ndjsonHeartbeat whether NDJSON streams get heartbeats
	 * @param windowLow the low water mark
	 * @param windowHigh the high water mark
	 */
	public StreamPolicy(@Nullable Duration stallTimeout, @Nullable Duration idleTimeout,
			@Nullable Duration firstElementTimeout, @Nullable Duration maxDuration, @Nullable Duration heartbeatInterval,
			boolean ndjsonHeartbeat, DataSize windowLow, DataSize windowHigh) {
		this(stallTimeout, idleTimeout, firstElementTimeout, maxDuration, heartbeatInterval, ndjsonHeartbeat, windowLow,
				windowHigh, Resilience.NONE);
	}

	/**
	 * Create a policy, normalising zero durations to {@code null} (off).
	 */
	public StreamPolicy {
		stallTimeout = enabled(stallTimeout);
		idleTimeout = enabled(idleTimeout);
		firstElementTimeout = enabled(firstElementTimeout);
		maxDuration = enabled(maxDuration);
		heartbeatInterval = enabled(heartbeatInterval);
		lease = enabled(lease);
		Objects.requireNonNull(windowLow, "windowLow");
		Objects.requireNonNull(windowHigh, "windowHigh");
		Objects.requireNonNull(resilience, "resilience");
		if (windowLow.toBytes() > windowHigh.toBytes()) {
			throw new IllegalArgumentException(
					"windowLow (" + windowLow + ") must not be greater than windowHigh (" + windowHigh + ")");
		}
	}

	private static @Nullable Duration enabled(@Nullable Duration duration) {
		if (duration == null || duration.isZero()) {
			return null;
		}
		if (duration.isNegative()) {
			throw new IllegalArgumentException("Duration must not be negative, was " + duration);
		}
		return duration;
	}

	/**
	 * Return a copy with the given stall timeout.
	 * @param stallTimeout the stall timeout, {@code null} or zero for off
	 * @return the new policy
	 */
	public StreamPolicy withStallTimeout(@Nullable Duration stallTimeout) {
		return new StreamPolicy(stallTimeout, this.idleTimeout, this.firstElementTimeout, this.maxDuration,
				this.heartbeatInterval, this.ndjsonHeartbeat, this.windowLow, this.windowHigh, this.resilience,
				this.guardResources, this.lease);
	}

	/**
	 * Return a copy with the given idle timeout.
	 * @param idleTimeout the idle timeout, {@code null} or zero for off
	 * @return the new policy
	 */
	public StreamPolicy withIdleTimeout(@Nullable Duration idleTimeout) {
		return new StreamPolicy(this.stallTimeout, idleTimeout, this.firstElementTimeout, this.maxDuration,
				this.heartbeatInterval, this.ndjsonHeartbeat, this.windowLow, this.windowHigh, this.resilience,
				this.guardResources, this.lease);
	}

	/**
	 * Return a copy with the given maximum duration.
	 * @param maxDuration the maximum duration, {@code null} or zero for off
	 * @return the new policy
	 */
	public StreamPolicy withMaxDuration(@Nullable Duration maxDuration) {
		return new StreamPolicy(this.stallTimeout, this.idleTimeout, this.firstElementTimeout, maxDuration,
				this.heartbeatInterval, this.ndjsonHeartbeat, this.windowLow, this.windowHigh, this.resilience,
				this.guardResources, this.lease);
	}

	/**
	 * Return a copy with the given heartbeat interval.
	 * @param heartbeatInterval the interval, {@code null} or zero for off
	 * @return the new policy
	 */
	public StreamPolicy withHeartbeatInterval(@Nullable Duration heartbeatInterval) {
		return new StreamPolicy(this.stallTimeout, this.idleTimeout, this.firstElementTimeout, this.maxDuration,
				heartbeatInterval, this.ndjsonHeartbeat, this.windowLow, this.windowHigh, this.resilience,
				this.guardResources, this.lease);
	}

	/**
	 * Return a copy with the given first-element timeout.
	 * @param firstElementTimeout the timeout, {@code null} or zero for off
	 * @return the new policy
	 */
	public StreamPolicy withFirstElementTimeout(@Nullable Duration firstElementTimeout) {
		return new StreamPolicy(this.stallTimeout, this.idleTimeout, firstElementTimeout, this.maxDuration,
				this.heartbeatInterval, this.ndjsonHeartbeat, this.windowLow, this.windowHigh, this.resilience,
				this.guardResources, this.lease);
	}

	/**
	 * Return a copy with the given Resilience4j instances.
	 * @param resilience the instances
	 * @return the new policy
	 */
	public StreamPolicy withResilience(Resilience resilience) {
		return new StreamPolicy(this.stallTimeout, this.idleTimeout, this.firstElementTimeout, this.maxDuration,
				this.heartbeatInterval, this.ndjsonHeartbeat, this.windowLow, this.windowHigh, resilience,
				this.guardResources, this.lease);
	}

	/**
	 * Return a copy that guards resource bodies, or passes them through.
	 * @param guardResources whether a {@code Resource} or file body of a stream content type is
	 * a live stream
	 * @return the new policy
	 * @since 0.2.0
	 */
	public StreamPolicy withGuardResources(boolean guardResources) {
		return new StreamPolicy(this.stallTimeout, this.idleTimeout, this.firstElementTimeout, this.maxDuration,
				this.heartbeatInterval, this.ndjsonHeartbeat, this.windowLow, this.windowHigh, this.resilience,
				guardResources, this.lease);
	}

	/**
	 * Return a copy with the given lease.
	 * @param lease the lease, {@code null} or zero for none
	 * @return the new policy
	 * @since 0.2.0
	 */
	public StreamPolicy withLease(@Nullable Duration lease) {
		return new StreamPolicy(this.stallTimeout, this.idleTimeout, this.firstElementTimeout, this.maxDuration,
				this.heartbeatInterval, this.ndjsonHeartbeat, this.windowLow, this.windowHigh, this.resilience,
				this.guardResources, lease);
	}

	/**
	 * Names of the Resilience4j instances that guard a stream; {@code null} for none.
	 *
	 * @param bulkhead bounds the stream's route's concurrent streams
	 * @param rateLimiter bounds how often streams open on the route
	 * @param timeLimiter bounds the time to the stream's first element
	 * @param circuitBreaker guards opening the stream's source
	 */
	public record Resilience(@Nullable String bulkhead, @Nullable String rateLimiter, @Nullable String timeLimiter,
			@Nullable String circuitBreaker) {

		/** No instances. */
		public static final Resilience NONE = new Resilience(null, null, null, null);

	}

}
