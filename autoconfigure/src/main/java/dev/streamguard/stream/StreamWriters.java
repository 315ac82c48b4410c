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
	 * Return a {@link Flux} whose items are written by the given producer, run on
	 * {@link Schedulers#boundedElastic()} once per subscription.
	 * @param <T> the type of item
	 * @param producer the producer
	 * @return the flux
	 */
	public static <T> Flux<T> flux(StreamProducer<T> producer) {
		return flux(producer, Schedulers.boundedElastic());
	}

	/**
	 * Return a {@link Flux} whose items are written by the given producer, run on the given
	 * scheduler once per subscription. The scheduler must allow blocking and should interrupt
	 * its task on disposal.
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
