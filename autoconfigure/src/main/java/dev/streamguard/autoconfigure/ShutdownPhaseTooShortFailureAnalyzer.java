package dev.streamguard.autoconfigure;

import java.time.Duration;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import static dev.streamguard.autoconfigure.ShutdownPhaseTooShortException.DRAIN_TIMEOUT_PROPERTY;
import static dev.streamguard.autoconfigure.ShutdownPhaseTooShortException.PHASE_TIMEOUT_PROPERTY;
import static dev.streamguard.autoconfigure.ShutdownPhaseTooShortException.format;

/**
 * Explains a {@link ShutdownPhaseTooShortException}: what the two timeouts are, what would happen
 * on shutdown with them, and the values that agree.
 */
class ShutdownPhaseTooShortFailureAnalyzer extends AbstractFailureAnalyzer<ShutdownPhaseTooShortException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ShutdownPhaseTooShortException cause) {
		Duration drain = cause.getDrainTimeout();
		Duration phase = cause.getPhaseTimeout();
		Duration required = ShutdownPhaseTooShortException.requiredPhaseTimeout(drain);
		String description = String.format("StreamGuard's drain may take %s=%s, but each shutdown phase may only "
				+ "take %s=%s.%nOn shutdown Spring would give up on the drain after %s and start the web server's "
				+ "graceful shutdown while streams are still draining: they would be cut without their last frame.",
				DRAIN_TIMEOUT_PROPERTY, format(drain), PHASE_TIMEOUT_PROPERTY, format(phase), format(phase));
		Duration lowerDrain = phase.minus(ShutdownPhaseTooShortException.DRAIN_MARGIN);
		String orLowerDrain = lowerDrain.isNegative() ? ""
				: String.format(", or lower %s to %s or less", DRAIN_TIMEOUT_PROPERTY, format(lowerDrain));
		String action = String.format("Set %s to %s or more (the drain timeout plus %s to end the streams left at "
				+ "the timeout)%s.%nOn Kubernetes, keep terminationGracePeriodSeconds above the preStop sleep plus "
				+ "both timeouts.", PHASE_TIMEOUT_PROPERTY, format(required),
				format(ShutdownPhaseTooShortException.DRAIN_MARGIN), orLowerDrain);
		return new FailureAnalysis(description, action, cause);
	}

}
