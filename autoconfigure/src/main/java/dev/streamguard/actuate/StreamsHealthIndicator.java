package dev.streamguard.actuate;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamGate;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.StreamWriterPool;
import dev.streamguard.transport.EffectiveTransport;
import dev.streamguard.transport.TransportStatus;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the live streams: UP with their figures and the effective transport, and
 * OUT_OF_SERVICE while the instance drains or sits at its stream limit, so that a readiness
 * probe sends new streams elsewhere. It never reports DOWN: clients' behaviour must not make
 * an instance look dead. A full pool of writer threads shows in the details only: it refuses
 * writer streams, not the others.
 *
 * @since 0.1.0
 */
public class StreamsHealthIndicator extends AbstractHealthIndicator {

	private final StreamRegistry registry;

	private final StreamGate gate;

	private final @Nullable TransportStatus transport;

	private final @Nullable StreamWriterPool writers;

	/**
	 * Create an indicator.
	 * @param registry the live streams
	 * @param gate whether new streams are taken
	 * @param transport the transport status, when the server is Reactor Netty
	 */
	public StreamsHealthIndicator(StreamRegistry registry, StreamGate gate, @Nullable TransportStatus transport) {
		this(registry, gate, transport, null);
	}

	/**
	 * Create an indicator that also shows the threads of blocking producers.
	 * @param registry the live streams
	 * @param gate whether new streams are taken
	 * @param transport the transport status, when the server is Reactor Netty
	 * @param writers where blocking producers run, when known
	 * @since 0.2.0
	 */
	public StreamsHealthIndicator(StreamRegistry registry, StreamGate gate, @Nullable TransportStatus transport,
			@Nullable StreamWriterPool writers) {
		super("Streams health check failed");
		this.registry = Objects.requireNonNull(registry, "registry");
		this.gate = Objects.requireNonNull(gate, "gate");
		this.transport = transport;
		this.writers = writers;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		List<LiveStream> streams = this.registry.streams();
		long blocked = streams.stream().filter((stream) -> stream.state() == LiveStream.State.BLOCKED).count();
		Duration oldest = streams.stream().map(LiveStream::age).max(Duration::compareTo).orElse(Duration.ZERO);
		if (this.gate.refusal().isPresent()) {
			builder.outOfService().withDetail("refusing", this.gate.refusal().get());
		}
		else {
			builder.up();
		}
		builder.withDetail("live", streams.size())
			.withDetail("blocked", blocked)
			.withDetail("oldestAgeMillis", oldest.toMillis())
			.withDetail("draining", this.gate.isDraining());
		if (this.gate.maxStreams() > 0) {
			builder.withDetail("maxStreams", this.gate.maxStreams());
		}
		if (this.transport != null) {
			builder.withDetail("transport", describe(this.transport.effective()));
		}
		if (this.writers != null) {
			builder.withDetail("writers", describe(this.writers));
		}
	}

	private static Map<String, Object> describe(StreamWriterPool writers) {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("threads", writers.virtualThreads() ? "virtual" : "platform");
		if (writers.maxThreads() > 0) {
			details.put("maxThreads", writers.maxThreads());
		}
		details.put("active", writers.activeThreads());
		details.put("refused", writers.refusedCount());
		return details;
	}

	private static Map<String, Object> describe(EffectiveTransport transport) {
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("kind", transport.kind().name());
		details.put("userTimeoutMillis", (transport.userTimeout() != null) ? transport.userTimeout().toMillis() : 0);
		details.put("keepalive", transport.keepalive());
		if (transport.keepalive()) {
			putSeconds(details, "keepaliveIdleSeconds", transport.keepaliveIdle());
			putSeconds(details, "keepaliveIntervalSeconds", transport.keepaliveInterval());
			if (transport.keepaliveCount() != null) {
				details.put("keepaliveCount", transport.keepaliveCount());
			}
		}
		return details;
	}

	private static void putSeconds(Map<String, Object> details, String key, @Nullable Duration value) {
		if (value != null) {
			details.put(key, value.toSeconds());
		}
	}

}
