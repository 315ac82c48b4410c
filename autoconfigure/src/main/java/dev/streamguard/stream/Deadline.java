package dev.streamguard.stream;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * An absolute point in time on the monotonic clock, by which a wait must end. Unlike a relative
 * timeout, a deadline can be passed through several calls without each one restarting the
 * clock, and can never be mistaken for a duration.
 *
 * @since 0.1.0
 */
public final class Deadline implements Comparable<Deadline> {

	private static final Deadline NONE = new Deadline(Long.MAX_VALUE, true);

	private final long nanoTime;

	private final boolean infinite;

	private Deadline(long nanoTime, boolean infinite) {
		this.nanoTime = nanoTime;
		this.infinite = infinite;
	}

	/**
	 * Return the deadline that lies {@code timeout} from now.
	 * @param timeout how long from now, zero or negative meaning "already expired"
	 * @return the deadline
	 */
	public static Deadline after(Duration timeout) {
		Objects.requireNonNull(timeout, "timeout");
		long now = System.nanoTime();
		long nanos;
		try {
			nanos = timeout.toNanos();
		}
		catch (ArithmeticException ex) {
			return timeout.isNegative() ? new Deadline(now, false) : NONE;
		}
		// Saturate instead of overflowing for very long timeouts.
		long at = now + nanos;
		if (nanos > 0 && at < now) {
			return NONE;
		}
		return new Deadline(at, false);
	}

	/**
	 * Return a deadline that never expires.
	 * @return the infinite deadline
	 */
	public static Deadline none() {
		return NONE;
	}

	/**
	 * Return how much time is left until this deadline, never negative.
	 * @return the time left, {@link Duration#ZERO} once expired
	 */
	public Duration remaining() {
		if (this.infinite) {
			return ChronoUnitMax.DURATION;
		}
		return Duration.ofNanos(Math.max(0, this.nanoTime - System.nanoTime()));
	}

	/**
	 * Return the nanoseconds left until this deadline, never negative.
	 * @return the nanoseconds left, {@link Long#MAX_VALUE} for {@link #none()}
	 */
	public long remainingNanos() {
		return this.infinite ? Long.MAX_VALUE : Math.max(0, this.nanoTime - System.nanoTime());
	}

	/**
	 * Whether this deadline lies in the past.
	 * @return {@code true} once the deadline has passed
	 */
	public boolean isExpired() {
		return !this.infinite && this.nanoTime - System.nanoTime() <= 0;
	}

	/**
	 * Return the earlier of this deadline and another.
	 * @param other the other deadline
	 * @return whichever expires first
	 */
	public Deadline min(Deadline other) {
		return compareTo(other) <= 0 ? this : other;
	}

	@Override
	public int compareTo(Deadline other) {
		if (this.infinite || other.infinite) {
			return Boolean.compare(this.infinite, other.infinite);
		}
		return Long.signum(this.nanoTime - other.nanoTime);
	}

	@Override
	public boolean equals(Object obj) {
		return obj instanceof Deadline other && this.infinite == other.infinite && this.nanoTime == other.nanoTime;
	}

	@Override
	public int hashCode() {
		return Long.hashCode(this.nanoTime);
	}

	@Override
	public String toString() {
		return this.infinite ? "Deadline[none]"
				: "Deadline[in " + TimeUnit.NANOSECONDS.toMillis(this.nanoTime - System.nanoTime()) + " ms]";
	}

	private static final class ChronoUnitMax {

		static final Duration DURATION = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);

	}

}
