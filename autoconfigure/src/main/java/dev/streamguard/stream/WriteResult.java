package dev.streamguard.stream;

/**
 * Outcome of {@link StreamWriter#tryWrite(Object)}.
 *
 * @since 0.1.0
 */
public enum WriteResult {

	/** The item was handed to the stream. */
	WRITTEN,

	/** The stream's write window is full; wait with {@link StreamWriter#awaitWritable(Deadline)}. */
	FULL,

	/** The stream has ended; nothing more can be written. */
	CLOSED

}
