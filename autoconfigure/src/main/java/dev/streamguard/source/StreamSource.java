package dev.streamguard.source;

import reactor.core.publisher.Flux;

/**
 * A named, resumable source of positioned items, served at
 * {@code streamguard.endpoint.base-path + "/" + name()} as SSE (the event id carries the position;
 * {@code Last-Event-ID} resumes after it) or NDJSON ({@code ?from=} resumes at a position).
 * Declare one as a bean.
 *
 * @param <T> the type of item
 * @since 0.1.0
 */
public interface StreamSource<T> {

	/**
	 * Return the name the source is served under: letters, digits, '.', '_' and '-'.
	 * @return the name
	 */
	String name();

	/**
	 * Open the source at a position.
	 * @param from the first position wanted, zero or more; items before it must not be
	 * emitted
	 * @return the items, in increasing position
	 */
	Flux<Positioned<T>> open(long from);

}
