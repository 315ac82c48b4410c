package dev.streamguard.stream;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * Decides whether this instance takes new streams: not while it drains for shutdown, and not
 * while it already serves as many streams as it may.
 *
 * @since 0.1.0
 */
public class StreamGate implements StreamAdmission {

	/** What a stream's first element tells this gate: nothing. */
	private static final Consumer<LiveStream> NO_FIRST_ELEMENT = (stream) -> {
	};

	private final int maxStreams;

	private final int maxStreamsPerClient;

	private final Map<InetAddress, Integer> clients = new ConcurrentHashMap<>();

	private volatile boolean draining;

	// Streams admitted and not yet ended: exact, unlike the registry's size, under concurrent opens.
	private final AtomicInteger admitted = new AtomicInteger();

	private volatile Duration retryAfter = Duration.ofSeconds(1);

	/**
	 * Create a gate.
	 * @param maxStreams how many live streams this instance serves at most, {@code 0} for no limit
	 */
	public StreamGate(int maxStreams) {
		this(maxStreams, 0);
	}

	/**
	 * Create a gate.
	 * @param maxStreams how many live streams this instance serves at most, {@code 0} for no limit
	 * @param maxStreamsPerClient how many live streams one client address may hold, {@code 0}
	 * for no limit
	 */
	public StreamGate(int maxStreams, int maxStreamsPerClient) {
		if (maxStreams < 0 || maxStreamsPerClient < 0) {
			throw new IllegalArgumentException("Limits must not be negative, were " + maxStreams + " and "
					+ maxStreamsPerClient);
		}
		this.maxStreams = maxStreams;
		this.maxStreamsPerClient = maxStreamsPerClient;
	}

	@Override
	public Admission admit(String route, StreamPolicy policy, @Nullable InetAddress client) {
		if (this.draining) {
			return refuse("draining for shutdown");
		}
		if (!tryIncrement(this.admitted, this.maxStreams)) {
			return refuse("at its limit of " + this.maxStreams + " live streams");
		}
		if (client == null || this.maxStreamsPerClient == 0) {
			return Admission.admitted(NO_FIRST_ELEMENT, (stream) -> this.admitted.decrementAndGet());
		}
		if (!tryAdmitFrom(client)) {
			this.admitted.decrementAndGet();
			return Admission.refused(429, this.retryAfter,
					"Too many live streams from your address (limit " + this.maxStreamsPerClient + "); close one first");
		}
		return Admission.admitted(NO_FIRST_ELEMENT, (stream) -> {
			releaseFrom(client);
			this.admitted.decrementAndGet();
		});
	}

	// Counts change only inside the map's per-key compute, so a count is never raised after a
	// concurrent release has removed it (which would let a new count start beside it).
	private boolean tryAdmitFrom(InetAddress client) {
		boolean[] admittedNow = new boolean[1];
		this.clients.compute(client, (key, count) -> {
			int current = (count != null) ? count : 0;
			if (current >= this.maxStreamsPerClient) {
				return count;
			}
			admittedNow[0] = true;
			return current + 1;
		});
		return admittedNow[0];
	}

	private void releaseFrom(InetAddress client) {
		// Removed at zero, so the map holds addresses with live streams only.
		this.clients.computeIfPresent(client, (key, count) -> (count > 1) ? count - 1 : null);
	}

	private static boolean tryIncrement(AtomicInteger counter, int limit) {
		for (;;) {
			int current = counter.get();
			if (limit > 0 && current >= limit) {
				return false;
			}
			if (counter.compareAndSet(current, current + 1)) {
				return true;
			}
		}
	}

	/**
	 * Return how many live streams a client address holds.
	 * @param client the address
	 * @return the count
	 */
	public int streamsOf(InetAddress client) {
		Integer count = this.clients.get(client);
		return (count != null) ? count : 0;
	}

	/**
	 * Return how many streams are admitted and not yet ended.
	 * @return the count
	 */
	public int admitted() {
		return this.admitted.get();
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
