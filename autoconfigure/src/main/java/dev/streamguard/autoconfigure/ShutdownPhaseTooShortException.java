package dev.streamguard.autoconfigure;

import java.time.Duration;

/**
 * Thrown at startup when {@code spring.lifecycle.timeout-per-shutdown-phase} leaves the stream
 * drain too little time. The drain is one shutdown phase: Spring gives up on a phase once that
 * timeout has passed and goes on with the web server's graceful shutdown while streams are still
 * draining, so they end without their clean last frame.
 *
 * @see ShutdownPhaseTooShortFailureAnalyzer
 */
final class ShutdownPhaseTooShortException extends IllegalStateException {

	/**
	 * Time the drain needs on top of its own timeout: it ends the streams left at the timeout and
	 * then reports back, which on a busy machine is not instant.
	 */
	static final Duration DRAIN_MARGIN = Duration.ofSeconds(1);

	static final String DRAIN_TIMEOUT_PROPERTY = "streamguard.drain.timeout";

	static final String PHASE_TIMEOUT_PROPERTY = "spring.lifecycle.timeout-per-shutdown-phase";

	private final Duration drainTimeout;

	private final Duration phaseTimeout;

	private ShutdownPhaseTooShortException(Duration drainTimeout, Duration phaseTimeout) {
		super(PHASE_TIMEOUT_PROPERTY + " (" + format(phaseTimeout) + ") must be at least " + DRAIN_TIMEOUT_PROPERTY
				+ " (" + format(drainTimeout) + ") plus " + format(DRAIN_MARGIN) + ", or Spring gives up on the stream "
				+ "drain before it ends; set " + PHASE_TIMEOUT_PROPERTY + " to "
				+ format(requiredPhaseTimeout(drainTimeout)) + " or more, or lower " + DRAIN_TIMEOUT_PROPERTY);
		this.drainTimeout = drainTimeout;
		this.phaseTimeout = phaseTimeout;
	}

	/**
	 * Throw when the shutdown phase timeout does not leave the drain its timeout plus
	 * {@link #DRAIN_MARGIN}.
	 * @param drainTimeout value of {@code streamguard.drain.timeout}
	 * @param phaseTimeout value of {@code spring.lifecycle.timeout-per-shutdown-phase}
	 */
	static void throwIfTooShort(Duration drainTimeout, Duration phaseTimeout) {
		if (phaseTimeout.compareTo(requiredPhaseTimeout(drainTimeout)) < 0) {
			throw new ShutdownPhaseTooShortException(drainTimeout, phaseTimeout);
		}
	}

	Duration getDrainTimeout() {
		return this.drainTimeout;
	}

	Duration getPhaseTimeout() {
		return this.phaseTimeout;
	}

	static Duration requiredPhaseTimeout(Duration drainTimeout) {
		return drainTimeout.plus(DRAIN_MARGIN);
	}

	/**
	 * Format a duration the way it is written in application.yml ({@code 20s}, {@code 1500ms}),
	 * not as ISO-8601, so that the message can be matched against the configuration.
	 */
	static String format(Duration duration) {
		long millis = duration.toMillis();
		return (millis % 1000 == 0) ? (millis / 1000) + "s" : millis + "ms";
	}

}
