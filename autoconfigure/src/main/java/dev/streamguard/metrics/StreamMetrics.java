package dev.streamguard.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamListener;
import dev.streamguard.stream.StreamWriterPool;
import dev.streamguard.stream.TerminationReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.jspecify.annotations.Nullable;
import reactor.util.context.ContextView;

/**
 * Micrometer meters for live streams, and an {@link Observation} per stream so that tracing
 * sees each one, as a child of the request's observation where the server observes requests. Tags are low in cardinality: route pattern, termination reason and media type,
 * never a stream id or address. Byte and window counters include live streams, so they move
 * while a long stream runs, not only when it ends.
 *
 * @since 0.1.0
 */
public class StreamMetrics implements StreamListener {

	/** Name of the per-stream observation. */
	public static final String OBSERVATION_NAME = "streamguard.stream.lifetime";

	private final MeterRegistry registry;

	private final ObservationRegistry observations;

	private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();

	private final Map<String, Observation> running = new ConcurrentHashMap<>();

	/**
	 * Create the meters.
	 * @param registry where meters are registered
	 * @param observations where stream observations are reported, may be
	 * {@link ObservationRegistry#NOOP}
	 */
	public StreamMetrics(MeterRegistry registry, ObservationRegistry observations) {
		this.registry = Objects.requireNonNull(registry, "registry");
		this.observations = Objects.requireNonNull(observations, "observations");
	}

	@Override
	public void onStart(LiveStream stream) {
		meters(stream.route()).live.add(stream);
		if (!this.observations.isNoop()) {
			// A child of the request's observation: one trace per request, the stream's span inside it.
			Observation observation = Observation.createNotStarted(OBSERVATION_NAME, this.observations)
				.parentObservation(requestObservation(stream))
				.lowCardinalityKeyValue("route", stream.route())
				.lowCardinalityKeyValue("media.type", stream.mediaType())
				.contextualName("stream " + stream.route())
				.start();
			this.running.put(stream.id(), observation);
		}
	}

	@Override
	public void onEnd(LiveStream stream, TerminationReason reason) {
		RouteMeters meters = meters(stream.route());
		meters.live.remove(stream);
		meters.endedBytes.add(stream.bytesSent());
		meters.endedWindowFull.add(stream.windowFullCount());
		Tags tags = Tags.of("route", stream.route(), "reason", reason.code(), "media.type", stream.mediaType());
		Counter.builder("streamguard.streams.ended")
			.description("Streams that ended, by route and termination reason")
			.tags(tags)
			.register(this.registry)
			.increment();
		Timer.builder("streamguard.stream.duration")
			.description("How long streams lived, by route and termination reason")
			.tags(tags)
			.register(this.registry)
			.record(stream.age());
		Observation observation = this.running.remove(stream.id());
		if (observation != null) {
			observation.lowCardinalityKeyValue("reason", reason.code());
			observation.stop();
		}
	}

	@Override
	public void onRejected(String route, String mediaType, String cause) {
		Counter.builder("streamguard.streams.ended")
			.description("Streams that ended, by route and termination reason")
			.tags("route", route, "reason", TerminationReason.REJECTED.code(), "media.type", mediaType)
			.register(this.registry)
			.increment();
		Timer.builder("streamguard.stream.duration")
			.tags("route", route, "reason", TerminationReason.REJECTED.code(), "media.type", mediaType)
			.register(this.registry)
			.record(Duration.ZERO);
	}

	/**
	 * Return the binder of the meters of blocking producers' threads: how many run, the most
	 * that may, and how many writer streams were refused for want of one. Tagged with the
	 * kind of thread, {@code virtual} or {@code platform}.
	 * @param writers where blocking producers run
	 * @return the binder
	 * @since 0.2.0
	 */
	public static MeterBinder writerPoolMeters(StreamWriterPool writers) {
		Objects.requireNonNull(writers, "writers");
		return (registry) -> {
			Tags tags = Tags.of("kind", writers.virtualThreads() ? "virtual" : "platform");
			Gauge.builder("streamguard.writer.threads.active", writers, StreamWriterPool::activeThreads)
				.description("Blocking producers running now, each on a thread of its own")
				.tags(tags)
				.register(registry);
			if (writers.maxThreads() > 0) {
				Gauge.builder("streamguard.writer.threads.max", writers, StreamWriterPool::maxThreads)
					.description("Blocking producers that may run at once")
					.tags(tags)
					.register(registry);
			}
			FunctionCounter.builder("streamguard.writer.refused", writers, StreamWriterPool::refusedCount)
				.description("Writer streams refused (503) because no thread was left for their producer")
				.tags(tags)
				.register(registry);
		};
	}

	private static @Nullable Observation requestObservation(LiveStream stream) {
		// A stream made by hand (a test double) may have no context at all.
		ContextView context = stream.context();
		Object observation = (context != null) ? context.getOrDefault(ObservationThreadLocalAccessor.KEY, null) : null;
		return (observation instanceof Observation request) ? request : null;
	}

	private RouteMeters meters(String route) {
		return this.routes.computeIfAbsent(route, (key) -> new RouteMeters(key, this.registry));
	}

	/**
	 * The meters of one route; registered on its first stream.
	 */
	private static final class RouteMeters {

		final Set<LiveStream> live = ConcurrentHashMap.newKeySet();

		final LongAdder endedBytes = new LongAdder();

		final LongAdder endedWindowFull = new LongAdder();

		RouteMeters(String route, MeterRegistry registry) {
			Tags tags = Tags.of("route", route);
			Gauge.builder("streamguard.streams.active", this.live, Set::size)
				.description("Live streams")
				.tags(tags)
				.register(registry);
			FunctionCounter.builder("streamguard.stream.sent", this, (meters) -> meters.total(meters.endedBytes,
					LiveStream::bytesSent))
				.description("Bytes handed to the transport, heartbeats included")
				.baseUnit("bytes")
				.tags(tags)
				.register(registry);
			FunctionCounter.builder("streamguard.stream.stalls", this, (meters) -> meters.total(meters.endedWindowFull,
					LiveStream::windowFullCount))
				.description("Times a stream's write window filled because its peer did not keep up")
				.tags(tags)
				.register(registry);
			Gauge.builder("streamguard.stream.pending", this, (meters) -> meters.sum(LiveStream::pendingBytes))
				.description("Bytes waiting in the write windows of live streams")
				.baseUnit("bytes")
				.tags(tags)
				.register(registry);
		}

		double total(LongAdder ended, ToLongFunction<LiveStream> live) {
			return ended.sum() + sum(live);
		}

		double sum(ToLongFunction<LiveStream> value) {
			long sum = 0;
			for (LiveStream stream : this.live) {
				sum += value.applyAsLong(stream);
			}
			return sum;
		}

	}

}
