package dev.streamguard.stream;

/**
 * Outcome of {@link StreamWriter#awaitWritable(Deadline)}.
 *
 * @since 0.1.0
 */
public enum WaitResult {

	/** The stream's write window has room for at least one item. */
	WRITABLE,

	/** The deadline passed before the window had room. */
	TIMED_OUT,

	/** The stream ended while waiting, or had ended before. */
	CLOSED

}
