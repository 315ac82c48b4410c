package dev.streamguard.stream;

import java.util.Objects;

import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Factory for {@link Flux} bodies fed by a blocking {@link StreamProducer} through a
 * {@link StreamWriter}.
 *
 * @since 0.1.0
 */
public final class StreamWriters {

	private StreamWriters() {
	}

	/**
	 * Return a {@link Flux} whose items are written by the given producer, run once per
	 * subscription on a thread of its own from the application's {@link StreamWriterPool}
	 * (the {@link StreamWriterPool#shared() shared} pool outside a StreamGuard application):
	 * a virtual thread where the JVM has them, otherwise one of a bounded set of platform
	 * threads. Never on {@link Schedulers#boundedElastic()}, which a producer holding its
	 * thread for a stream's life would starve. When no thread is left the subscription fails
	 * at once with a {@link StreamRejectedException}, which the web filter answers with 503
	 * and {@code Retry-After}.
	 * @param <T> the type of item
	 * @param producer the producer
	 * @return the flux
	 */
	public static <T> Flux<T> flux(StreamProducer<T> producer) {
		return new WriterFlux<>(Objects.requireNonNull(producer, "producer"), null);
	}

	/**
	 * Return a {@link Flux} whose items are written by the given producer, run on the given
	 * scheduler once per subscription, outside any {@link StreamWriterPool}: capacity is then
	 * the scheduler's concern. The scheduler must allow blocking, should interrupt its task on
	 * disposal, and should not be shared with work that must stay responsive.
	 * @param <T> the type of item
	 * @param producer the producer
	 * @param scheduler where the producer runs
	 * @return the flux
	 */
	public static <T> Flux<T> flux(StreamProducer<T> producer, Scheduler scheduler) {
		Objects.requireNonNull(producer, "producer");
		Objects.requireNonNull(scheduler, "scheduler");
		return new WriterFlux<>(producer, scheduler);
	}

}
