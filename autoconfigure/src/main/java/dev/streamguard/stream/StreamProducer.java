package dev.streamguard.stream;

/**
 * A blocking producer of stream items, run off the event loop by
 * {@link StreamWriters#flux(StreamProducer)}. The stream completes when this method returns,
 * and fails with whatever it throws, unless the stream has already ended.
 *
 * @param <T> the type of item produced
 * @since 0.1.0
 */
@FunctionalInterface
public interface StreamProducer<T> {

	/**
	 * Produce the stream's items through the writer.
	 * @param writer the writer to write to
	 * @throws Exception on failure, which fails the stream with
	 * {@link TerminationReason#UPSTREAM_ERROR}
	 */
	void produce(StreamWriter<T> writer) throws Exception;

}
