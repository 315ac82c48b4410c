package dev.streamguard.stream;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides whether this instance takes new streams: not while it drains for shutdown, and not
 * while it already serves as many streams as it may.
 *
 * @since 0.1.0
 */
public class StreamGate implements StreamAdmission {

	private final int maxStreams;

	private volatile boolean draining;

	// Streams admitted and not yet ended: exact, unlike the registry's size, under concurrent opens.
	private final AtomicInteger admitted = new AtomicInteger();

	private volatile Duration retryAfter = Duration.ofSeconds(1);

	/**
	 * Create a gate.
	 * @param maxStreams how many live streams this instance serves at most, {@code 0} for no limit
	 */
	public StreamGate(int maxStreams) {
		if (maxStreams < 0) {
			throw new IllegalArgumentException("maxStreams must not be negative, was " + maxStreams);
		}
		this.maxStreams = maxStreams;
	}

	@Override
	public Admission admit(String route, StreamPolicy policy) {
		if (this.draining) {
			return refuse("draining for shutdown");
		}
		if (this.maxStreams == 0) {
			return Admission.ADMITTED;
		}
		for (;;) {
			int current = this.admitted.get();
			if (current >= this.maxStreams) {
				return refuse("at its limit of " + this.maxStreams + " live streams");
			}
			if (this.admitted.compareAndSet(current, current + 1)) {
				return Admission.admitted(this.admitted::decrementAndGet);
			}
		}
	}

	private Admission refuse(String why) {
		return Admission.refused(503, this.retryAfter,
				"This instance is " + why + "; retry, another instance may serve the stream");
	}

	/**
	 * Set when refused clients may try again.
	 * @param retryAfter the delay for the {@code Retry-After} header
	 */
	public void setRetryAfter(Duration retryAfter) {
		this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
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
		return this.maxStreams > 0 && this.admitted.get() >= this.maxStreams;
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
