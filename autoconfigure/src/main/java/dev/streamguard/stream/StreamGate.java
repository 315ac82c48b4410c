package dev.streamguard.stream;

import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether this instance takes new streams: not while it drains for shutdown, and not
 * while it already serves as many streams as it may.
 *
 * @since 0.1.0
 */
public class StreamGate {

	private final StreamRegistry registry;

	private final int maxStreams;

	private volatile boolean draining;

	/**
	 * Create a gate.
	 * @param registry the live streams
	 * @param maxStreams how many live streams this instance serves at most, {@code 0} for no limit
	 */
	public StreamGate(StreamRegistry registry, int maxStreams) {
		this.registry = Objects.requireNonNull(registry, "registry");
		if (maxStreams < 0) {
			throw new IllegalArgumentException("maxStreams must not be negative, was " + maxStreams);
		}
		this.maxStreams = maxStreams;
	}

	/**
	 * Return why a new stream would be refused now.
	 * @return the refusal, or empty when a new stream is welcome
	 */
	public Optional<String> refusal() {
		if (this.draining) {
			return Optional.of("draining for shutdown");
		}
		if (isSaturated()) {
			return Optional.of("at its limit of " + this.maxStreams + " live streams");
		}
		return Optional.empty();
	}

	/**
	 * Whether this instance serves as many streams as it may.
	 * @return {@code true} at the limit
	 */
	public boolean isSaturated() {
		return this.maxStreams > 0 && this.registry.size() >= this.maxStreams;
	}

	/**
	 * Return how many live streams this instance serves at most.
	 * @return the limit, {@code 0} for none
	 */
	public int maxStreams() {
		return this.maxStreams;
	}

	/**
	 * Whether the instance drains for shutdown.
	 * @return {@code true} once draining started
	 */
	public boolean isDraining() {
		return this.draining;
	}

	/**
	 * Stop taking new streams because the instance shuts down.
	 */
	public void startDraining() {
		this.draining = true;
	}

}
